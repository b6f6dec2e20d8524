using Roost.Controller;
using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Roost.Controller.Recovery;

namespace Roost.Cli.Commands;

/// <summary><c>roost serve</c>: run the controller (API, dashboard, store, control loop) until Ctrl-C.</summary>
internal sealed class ServeCommand : ICommand
{
    public string Name => "serve";

    public string Summary => "Run the controller: API, dashboard and Sandpiper control loop over a simulated data center";

    public OptionSet Options { get; } = new OptionSet(
            "roost serve [--data DIR] [--db sqlite:PATH|postgres:CONNSTRING] [--listen ADDRESS:PORT] [--agents URL,... --agent-token-file F] [--tls-cert F --tls-key F] [--dr-site NAME=ADDRESS:PORT --dr-token-file NAME=F]... [--speed N] [--hosts N] [--vms N] [--seed N]",
            """
            Starts the controller: a minimal API (OpenAPI at /openapi/v1.json), a dashboard at /, Prometheus metrics at
            /metrics, and a control loop that watches a simulated data center running in accelerated real time (or,
            with --agents, real hosts running 'roost agent') and relieves its hotspots with Sandpiper. State lives in
            the store, so a restart resumes where it stopped.
            Mutating requests need the bearer token in DIR/token (created on first start, mode 0600).
            One controller writes a store: a second 'roost serve' on the same store waits as a hot standby (API 503,
            /healthz "standby") and takes over when the first stops or dies. Startup failures exit with code 2.
            With --dr-site it watches cloud sites of disaster recovery ('roost dr serve --status-listen'): every 2 s it
            reads each site's status (GET /api/dr, 'roost dr sites', the dashboard's panel) and it forwards an
            operator's failover and failback to the site ('roost dr failover|failback --site').
            """)
        .Add("data", "DIR", "Data directory (token, SQLite store). Default: ./roost-data.")
        .Add("db", "SPEC", "Store: sqlite:PATH or postgres:CONNSTRING. Default: sqlite:DIR/roost.db.")
        .Add("listen", "ADDRESS:PORT", $"Where to listen. Default: {ControllerOptions.DefaultListen} (loopback only).")
        .Add("agents", "URL,...", "Manage real hosts through these 'roost agent' URLs (same order on every start) instead of a simulation.")
        .Add("agent-token-file", "F", "The agents' bearer tokens (needed with --agents): one token for all, or one 'URL TOKEN' line per agent. Each agent only ever receives its own.")
        .Add("migration-bandwidth", "MiB/s", "With --agents: cap each live migration's bandwidth. Default: QEMU's.")
        .Add("dr-site", "NAME=ADDRESS:PORT", "A DR cloud site's 'roost dr serve --status-listen' (repeatable; NAME: a-z, 0-9, '-', up to 32).", repeatable: true)
        .Add("dr-token-file", "NAME=F", "That site's status token (--status-token-file there; owner-only); sent to that site only (repeatable).", repeatable: true)
        .Add("tls-cert", "F", "Serve HTTPS with this PEM certificate (with --tls-key).")
        .Add("tls-key", "F", "PEM private key of --tls-cert.")
        .Add("interval", "SECONDS", "Control loop interval in wall-clock seconds. Default: 1.")
        .Add("speed", "N", "Simulated seconds per wall-clock second. Default: 60.")
        .Add("hosts", "N", "Hosts of the simulated data center (first start only). Default: 40.")
        .Add("vms", "N", "VMs of the simulated data center (first start only). Default: 120.")
        .Add("seed", "N", "Seed of the synthetic workload and VM sizes. Default: 1.")
        .Add(ServerLog.OptionName, "text|json", ServerLog.OptionDescription);

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        var logFormat = ServerLog.Format(options);
        var fleet = new SimulatedFleet(
            options.GetInt("hosts", 40, min: 1, max: 10_000),
            options.GetInt("vms", 120, min: 0, max: 100_000),
            options.GetDouble("speed", 60, min: 1, max: 10_000),
            options.GetInt("seed", 1));
        var interval = TimeSpan.FromSeconds(options.GetDouble("interval", 1, min: 0.05, max: 3600));
        var controllerOptions = new ControllerOptions(Path.GetFullPath(options.Get("data") ?? "roost-data"))
        {
            Database = options.Get("db"),
            Listen = options.Get("listen") ?? ControllerOptions.DefaultListen,
            Fleet = fleet,
            Agents = Agents(options),
            TlsCertificateFile = options.Get("tls-cert"),
            TlsKeyFile = options.Get("tls-key"),
            Loop = ControlLoopOptions.Default with { Interval = interval },
            LogFormat = logFormat,
            DrSites = DrSites(options),
        };

        RunningController controller;
        try
        {
            controller = await ControllerApp.StartAsync(controllerOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"roost serve: {OneLine(e.Message.Split(" (Parameter", 2)[0])}");
        }
        catch (Exception e) when (e is StartupException or IOException or UnauthorizedAccessException)
        {
            // Startup failures (data directory, store, address, hosts) are one line and exit code 2, never a stack trace.
            throw new UsageException($"roost serve: {OneLine(e.Message)}");
        }

        await using (controller.ConfigureAwait(false))
        {
            var role = controller.Role.Current == RoleState.Active
                ? $"token {controller.Tokens.Path}"
                : "standby: another controller is the store's writer; taking over when it stops";
            ServerLog.Status(logFormat, "serve", $"dashboard {controller.Address}  store {controller.Store.Description}  {role}");
            try
            {
                await controller.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: stop cleanly.
            }

            if (controller.Failure is { } failure)
            {
                throw new UsageException($"roost serve: stopped: {OneLine(failure)}", 1);
            }
        }

        return 0;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static AgentFleet? Agents(ParsedOptions options)
    {
        if (options.Get("agents") is not { } list)
        {
            return options.Get("agent-token-file") is null ? null : throw new UsageException("roost serve: --agent-token-file needs --agents");
        }

        if (options.Get("agent-token-file") is not { } tokenFile)
        {
            throw new UsageException("roost serve: --agents needs --agent-token-file F, the file holding the agents' bearer token");
        }

        var token = TokenFile.Read("roost serve: --agent-token-file", tokenFile);
        return AgentFleet.TryParse(list, token, out var fleet, out var error)
            ? fleet with { MigrationMiBps = options.GetInt("migration-bandwidth", 0, min: 0, max: 100_000) }
            : throw new UsageException($"roost serve: {error}");
    }

    /// <summary>
    /// <c>--dr-site NAME=ADDRESS:PORT</c> paired with <c>--dr-token-file NAME=FILE</c>: every site needs exactly one
    /// token file, each owner-only, and every token file names a site.
    /// </summary>
    private static List<DrSiteEndpoint> DrSites(ParsedOptions options)
    {
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var given in options.GetAll("dr-token-file"))
        {
            var (name, file) = Pair("--dr-token-file", "NAME=FILE", given);
            if (!tokens.TryAdd(name, file))
            {
                throw new UsageException($"roost serve: --dr-token-file: site '{name}' is given twice");
            }
        }

        var sites = new List<DrSiteEndpoint>();
        foreach (var given in options.GetAll("dr-site"))
        {
            var (name, address) = Pair("--dr-site", "NAME=ADDRESS:PORT", given);
            if (sites.Any(s => s.Name == name))
            {
                throw new UsageException($"roost serve: --dr-site: site '{name}' is given twice");
            }

            if (!tokens.Remove(name, out var file))
            {
                throw new UsageException($"roost serve: --dr-site {name}: needs --dr-token-file {name}=FILE (the site's --status-token-file)");
            }

            var option = $"roost serve: --dr-token-file {name}:";
            var token = TokenFile.Read(option, file);
            TokenFile.RefuseOpenToOthers(option, file);
            sites.Add(DrSiteEndpoint.TryCreate(name, address, token, out var site, out var error) ? site : throw new UsageException($"roost serve: {error}"));
        }

        return tokens.Keys.FirstOrDefault() is { } stray
            ? throw new UsageException($"roost serve: --dr-token-file {stray}=…: no --dr-site is named '{stray}'")
            : sites;
    }

    private static (string Name, string Value) Pair(string option, string form, string given)
    {
        var equals = given.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == given.Length - 1)
        {
            throw new UsageException($"roost serve: {option} '{Roost.Simulation.Input.PrintableText.Escape(given)}' is not {form}");
        }

        var name = given[..equals];
        return DrSiteEndpoint.IsName(name)
            ? (name, given[(equals + 1)..])
            : throw new UsageException($"roost serve: {option} '{Roost.Simulation.Input.PrintableText.Escape(name)}' is not a site name ({DrSiteEndpoint.NameRule})");
    }
}
