using Roost.Controller;
using Roost.Controller.Drivers;

namespace Roost.Cli.Commands;

/// <summary><c>roost serve</c>: run the controller (API, dashboard, store, control loop) until Ctrl-C.</summary>
internal sealed class ServeCommand : ICommand
{
    public string Name => "serve";

    public string Summary => "Run the controller: API, dashboard and Sandpiper control loop over a simulated data center";

    public OptionSet Options { get; } = new OptionSet(
            "roost serve [--data DIR] [--db sqlite:PATH|postgres:CONNSTRING] [--listen ADDRESS:PORT] [--speed N] [--hosts N] [--vms N] [--seed N]",
            """
            Starts the controller: a minimal API (OpenAPI at /openapi/v1.json), a dashboard at /, Prometheus metrics at
            /metrics, and a control loop that watches a simulated data center running in accelerated real time and
            relieves its hotspots with Sandpiper. State lives in the store, so a restart resumes where it stopped.
            Mutating requests need the bearer token in DIR/token (created on first start, mode 0600).
            """)
        .Add("data", "DIR", "Data directory (token, SQLite store). Default: ./roost-data.")
        .Add("db", "SPEC", "Store: sqlite:PATH or postgres:CONNSTRING. Default: sqlite:DIR/roost.db.")
        .Add("listen", "ADDRESS:PORT", $"Where to listen. Default: {ControllerOptions.DefaultListen} (loopback only).")
        .Add("speed", "N", "Simulated seconds per wall-clock second. Default: 60.")
        .Add("hosts", "N", "Hosts of the simulated data center (first start only). Default: 40.")
        .Add("vms", "N", "VMs of the simulated data center (first start only). Default: 120.")
        .Add("seed", "N", "Seed of the synthetic workload and VM sizes. Default: 1.");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        var fleet = new SimulatedFleet(
            options.GetInt("hosts", 40, min: 1, max: 10_000),
            options.GetInt("vms", 120, min: 0, max: 100_000),
            options.GetDouble("speed", 60, min: 1, max: 10_000),
            options.GetInt("seed", 1));
        var controllerOptions = new ControllerOptions(Path.GetFullPath(options.Get("data") ?? "roost-data"))
        {
            Database = options.Get("db"),
            Listen = options.Get("listen") ?? ControllerOptions.DefaultListen,
            Fleet = fleet,
        };

        RunningController controller;
        try
        {
            controller = await ControllerApp.StartAsync(controllerOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"roost serve: {e.Message.Split(" (Parameter", 2)[0]}");
        }
        catch (IOException e)
        {
            throw new UsageException($"roost serve: {e.Message}", 1);
        }

        await using (controller.ConfigureAwait(false))
        {
            Console.WriteLine($"roost serve: dashboard {controller.Address}  store {controller.Store.Description}  token {controller.Tokens.Path}");
            try
            {
                await controller.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl-C: stop cleanly.
            }
        }

        return 0;
    }
}
