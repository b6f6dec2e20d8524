using System.Globalization;
using System.Runtime.InteropServices;
using Roost.Hypervisor.Lab;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost lab wan up|down|status</c>: the multi-site network lab (sites as network namespaces joined by a WAN of
/// set bandwidth and round-trip time). <c>roost lab relay</c> is the lab's own relay process, started by <c>up</c>.
/// </summary>
internal sealed class LabCommand : ICommand
{
    // Which options each subcommand takes; any other option given is refused in one line.
    private static readonly Dictionary<string, string[]> _optionsOf = new(StringComparer.Ordinal)
    {
        ["up"] = ["name", "sites", "bandwidth", "rtt", "state-dir"],
        ["down"] = ["name", "state-dir"],
        ["status"] = ["state-dir"],
        ["measure"] = ["name", "seconds", "pings", "state-dir"],
        ["relay"] = ["name", "state-dir"],
    };

    public string Name => "lab";

    public string Summary => "A multi-site network lab: sites as network namespaces joined by a WAN with set bandwidth and RTT";

    public OptionSet Options { get; } = new OptionSet(
            "roost lab wan up [--name NAME] [--sites N] [--bandwidth RATE] [--rtt TIME]\n"
            + "       roost lab wan down [--name NAME]\n"
            + "       roost lab wan status\n"
            + "       roost lab wan measure [--name NAME] [--seconds S] [--pings N]",
            "Builds sites as network namespaces roost-NAME-s1, roost-NAME-s2, … Site S has a bridge br0 with address\n"
            + "10.77.S.1/24 (agents listen there, guests' taps join it) and routes to the other sites over the WAN: each\n"
            + "site's access link is shaped to RATE each way (tc tbf), and Roost's relay (a process in roost-NAME-wan)\n"
            + "adds half the round-trip time each way. Run a program in a site with 'ip netns exec roost-NAME-sS PROGRAM'.\n"
            + "'up' is idempotent (an identical lab is left as it is); 'down' stops the relay and everything still running\n"
            + "in the lab's namespaces, then deletes them; both work after a crash or a partial 'up'. 'measure' pings site 2\n"
            + "from site 1 and sends TCP from site 1 to site 2, and prints the RTT, the goodput and the relay's CPU use.\n"
            + "Needs root.")
        .WithArguments("wan up|down|status|measure, relay", "wan", "up", "down", "status", "measure", "relay")
        .Add("name", "NAME", $"Lab name: 1 to {LabName.MaxLength} lowercase letters or digits, starting with a letter (default lab)")
        .Add("sites", "N", $"Number of sites, {WanLabOptions.MinSites} to {WanLabOptions.MaxSites} (default {WanLabOptions.Default.Sites})")
        .Add("bandwidth", "RATE", $"Each site's link rate each way, e.g. 500kbit, 100mbit, 1gbit (default {WanLabOptions.Default.Bandwidth})")
        .Add("rtt", "TIME", $"Round-trip time between two sites, e.g. 0, 40ms, 1s (default {WanLabOptions.FormatDuration(WanLabOptions.Default.RoundTrip)})")
        .Add("state-dir", "DIR", $"Where labs are recorded (default {LabStateStore.DefaultDirectory})")
        .Add("seconds", "S", "measure: how long the TCP transfer runs, 2 to 60 (default 5)")
        .Add("pings", "N", "measure: how many pings, 1 to 1000 (default 20)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = new LabStateStore(options.Get("state-dir") ?? LabStateStore.DefaultDirectory);
        var verb = options.Positional switch
        {
            ["wan", var v] when _optionsOf.ContainsKey(v) && v != "relay" => v,
            ["relay"] => "relay",
            _ => throw new UsageException("roost lab: expected 'wan up', 'wan down', 'wan status' or 'wan measure' (see 'roost lab --help')"),
        };
        options.RejectOptionsOutside(verb == "relay" ? verb : $"wan {verb}", _optionsOf[verb]);

        return verb switch
        {
            "up" => await UpAsync(options, store, cancellationToken).ConfigureAwait(false),
            "down" => await DownAsync(ParseName(options), store, cancellationToken).ConfigureAwait(false),
            "status" => PrintStatus(store),
            "measure" => await MeasureAsync(options, store, cancellationToken).ConfigureAwait(false),
            _ => Relay(ParseName(options), store, cancellationToken),
        };
    }

    private static async Task<int> MeasureAsync(ParsedOptions options, LabStateStore store, CancellationToken cancellationToken)
    {
        var name = ParseName(options);
        var seconds = options.GetInt("seconds", 5, min: 2, max: 60);
        var pings = options.GetInt("pings", 20, min: 1, max: 1000);
        var time = TimeProvider.System;
        var lab = WanLab.FindUp(name, store, time)
            ?? throw new UsageException($"roost lab wan measure: no lab named '{name}' is up (see 'roost lab wan status')", 1);
        try
        {
            var rtts = (await WanProbe.PingAsync(lab, 1, 2, pings, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false))
                .Order().ToList();
            var millis = rtts.Select(r => r.TotalMilliseconds).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"rtt site 1 -> site 2: median {millis[millis.Count / 2]:0.00} ms, min {millis[0]:0.00}, max {millis[^1]:0.00} ({millis.Count} of {pings} pings answered; set {WanLabOptions.FormatDuration(lab.Layout.Options.RoundTrip)})"));

            var warmUp = TimeSpan.FromSeconds(1) + 5 * lab.Layout.Options.RoundTrip;
            var cpuBefore = WanProbe.RelayProcessorTime(lab);
            var started = time.GetTimestamp();
            var sample = await WanProbe.MeasureThroughputAsync(lab, 1, 2, TimeSpan.FromSeconds(seconds), warmUp, time, cancellationToken).ConfigureAwait(false);
            var wall = time.GetElapsedTime(started);
            var cpuAfter = WanProbe.RelayProcessorTime(lab);
            var cpu = cpuBefore is { } b && cpuAfter is { } a ? $"{(a - b) / wall * 100:0.0} % of one core" : "unknown (relay not running)";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"tcp site 1 -> site 2: {sample.BitsPerSecond / 1e6:0.0} Mbit/s goodput over {sample.Measured.TotalSeconds:0.00} s after {warmUp.TotalSeconds:0.0} s of warm-up ({sample.ReceivedBytes} bytes; set {lab.Layout.Options.Bandwidth})"));
            Console.WriteLine($"relay cpu during the transfer: {cpu}");
            var lost = lab.Status().Relay?.Ports.Sum(p => p.Lost);
            Console.WriteLine($"relay frames lost so far: {lost?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}");
            return 0;
        }
        catch (IOException e)
        {
            throw new UsageException($"roost lab wan measure: {e.Message}", 1);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new UsageException($"roost lab wan measure: {e.Message}", 1);
        }
    }

    private static async Task<int> UpAsync(ParsedOptions options, LabStateStore store, CancellationToken cancellationToken)
    {
        var name = ParseName(options);
        if (!WanLabOptions.TryParse(options.Get("sites"), options.Get("bandwidth"), options.Get("rtt"), out var lab, out var error))
        {
            throw new UsageException($"roost lab wan up: {error}");
        }

        var result = await WanLab.UpAsync(name, lab, CurrentLauncher(), store, owner: null, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        switch (result)
        {
            case LabUpResult.Up up:
                var status = up.Lab.Status();
                Console.WriteLine($"lab '{name}' {(up.AlreadyUp ? "already up" : "up")}: {lab} (relay pid {status.State.Relay?.Pid})");
                foreach (var site in up.Lab.Layout.SiteNumbers)
                {
                    Console.WriteLine($"  site {site}: {up.Lab.Layout.SiteAddress(site)} on {WanLabLayout.BridgeName}   ip netns exec {up.Lab.Layout.SiteNamespace(site)} PROGRAM");
                }

                return 0;
            case LabUpResult.Refused refused:
                throw new UsageException($"roost lab wan up: {refused.Reason}", 1);
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    private static async Task<int> DownAsync(LabName name, LabStateStore store, CancellationToken cancellationToken)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new UsageException("roost lab wan down: needs root (network namespaces)", 1);
        }

        switch (await WanLab.DownAsync(name, store, TimeProvider.System, cancellationToken).ConfigureAwait(false))
        {
            case LabDownResult.Removed removed:
                Console.WriteLine($"lab '{name}' down: removed {removed.Namespaces.Count} namespaces, stopped {removed.ProcessesStopped} processes");
                return 0;
            case LabDownResult.NotFound:
                Console.WriteLine($"no lab named '{name}' (nothing to do)");
                return 0;
            case LabDownResult.Incomplete incomplete:
                throw new UsageException($"roost lab wan down: {incomplete.Reason}", 1);
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    private static int PrintStatus(LabStateStore store)
    {
        var labs = WanLab.Status(store);
        if (labs.Count == 0)
        {
            Console.WriteLine("no labs");
            return 0;
        }

        foreach (var lab in labs)
        {
            var state = lab.State;
            var health = lab.Healthy ? "up" : lab.Stale ? "stale (roost lab wan down removes it)" : "broken (relay stopped or namespace missing)";
            var owner = state.Owner is { } o ? $", owned by process {o.Pid}" : "";
            Console.WriteLine($"{state.Name}: {health}: {state.Options}, relay pid {state.Relay?.Pid.ToString(CultureInfo.InvariantCulture) ?? "-"}{owner}");
            if (lab.MissingNamespaces.Count > 0)
            {
                Console.WriteLine($"  missing: {string.Join(' ', lab.MissingNamespaces)}");
            }

            foreach (var port in lab.Relay?.Ports ?? [])
            {
                Console.WriteLine($"  {port.Port}: in {port.FramesIn} frames ({port.BytesIn} B), out {port.FramesOut} frames ({port.BytesOut} B), "
                    + $"lost {port.Lost} (queue {port.QueueDrops}, send {port.SendFailures}, kernel {port.KernelDrops}, truncated {port.Truncated}), "
                    + $"peak queue {port.PeakQueuedBytes} B");
            }
        }

        return 0;
    }

    private static int Relay(LabName name, LabStateStore store, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            WanLab.RunRelay(name, store, TimeProvider.System, () => Console.Out.WriteLine(WanLab.RelayReadyLine), stop.Token);
            return 0;
        }
        catch (IOException e)
        {
            // Before the ready line this is what 'up' reports; after it nobody reads stdout and the log says why.
            Console.Out.WriteLine(e.Message);
            return 1;
        }
    }

    private static LabName ParseName(ParsedOptions options) =>
        LabName.TryParse(options.Get("name") ?? "lab", out var name, out var error)
            ? name.Value
            : throw new UsageException($"roost lab: --name {error}");

    /// <summary>This very program, to run as the relay: the apphost, or dotnet with roost.dll.</summary>
    private static RelayLauncher CurrentLauncher()
    {
        var process = Environment.ProcessPath ?? "dotnet";
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? new RelayLauncher(process, [typeof(LabCommand).Assembly.Location])
            : new RelayLauncher(process, []);
    }
}
