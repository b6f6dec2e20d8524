using System.Globalization;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Input;
using Roost.Simulation.Metrics;
using Roost.Simulation.Reporting;
using Roost.Simulation.Sharing;
using Roost.Simulation.Workloads;

namespace Roost.Cli.Commands;

/// <summary><c>roost simulate</c>: replay a workload through a simulated data center under one or more policies.</summary>
internal sealed class SimulateCommand : ICommand
{
    public const string DefaultPolicies = "npa,dvfs,thr-mmt-0.8,iqr-mmt-1.5,mad-mmt-2.5,lr-mmt-1.2";

    public string Name => "simulate";

    public string Summary => "Simulate a data center on a VM workload trace under one or more policies";

    public OptionSet Options { get; } = new OptionSet(
            "roost simulate [--workload W]... [--policy P[,P...]] [--fleet F] [--hosts N] [--seed N] [--vm-order O] [--json] [--report DIR]",
            """
            Replays VM CPU demand traces through a simulated data center of HP ProLiant ML110 G4/G5 hosts (as in
            CloudSim's power examples and Beloglazov & Buyya 2012) and prints energy, migrations and SLA figures,
            one row per policy. Policies run in parallel; results are deterministic.
            """)
        .Add("workload", "W", $"The VM demand: {WorkloadSource.Usage}.\nRepeat to run several workloads. Default: synthetic (a built-in PlanetLab-like day, seed 1).", repeatable: true)
        .Add("policy", "P[,P...]", $"Policies: npa, dvfs, <thr|iqr|mad|lr|lrr>-<mmt|mu|rs|mc>-<parameter>, sandpiper,\nsandpiper-graybox, sandpiper+consolidate;\nor Memory Buddies' sharing model: {string.Join(", ", SharingPolicies.Names)}.\nDefault: {DefaultPolicies}.")
        .Add("vm-order", "name|listing", "Which trace file becomes VM 0, 1, …: file names in byte order (default), or the\nfile system's listing order, as CloudSim's File.listFiles() reads it (not portable).")
        .Add("fleet", "cloudsim|bitbrains", "Hosts: HP ProLiant ML110 G4/G5 with CloudSim's VM types (default), or 32-core\n256 GiB servers running VMs of their trace sizes (default for bitbrains: workloads).")
        .Add("hosts", "N", "Number of hosts. Default: 800 (cloudsim fleet), 24 (bitbrains fleet), 200 (sharing).")
        .Add("seed", "N", "Seed for random VM selection (rs). Default: 1.")
        .Add("host-memory", "MiB", "Sharing policies: memory per host (default 16384).")
        .Add("vm-memory", "MiB[,MiB...]", "Sharing policies: VM sizes, drawn uniformly (default 256,512,1024).")
        .Add("fingerprints", "DIR", "Sharing policies: measured guest fingerprints PROFILE-N.rsfp (default: built in).")
        .Add("overhead-model", "MODEL", "Plan with virtualization overhead: each VM's trace is taken as native usage and\nconverted with a MOVE model ('roost move fit'; docs/move.md) before simulating.")
        .Add("json", null, "Print the results as JSON on stdout (and nothing else there).")
        .Add("report", "DIR", "Also write DIR/report.md with PNG plots (active hosts, energy, SLAV).");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        if (SharingSimulationRun.Handles(options.Get("policy") ?? DefaultPolicies))
        {
            if (options.Has("overhead-model"))
            {
                throw new UsageException("roost simulate: --overhead-model applies to trace workloads, not to sharing policies");
            }

            return await SharingSimulationRun.RunAsync(options, options.Get("policy") ?? DefaultPolicies, cancellationToken).ConfigureAwait(false);
        }

        var seed = options.GetInt("seed", 1);
        var order = ParseVmOrder(options);
        var policyText = options.Get("policy") ?? DefaultPolicies;

        // Policy names are checked before any trace is read, so a typo costs nothing; the objects are built per
        // workload below, at its sampling interval.
        ParsePolicies(policyText, TimeSpan.FromSeconds(300));
        var json = options.Has("json");
        var reportDirectory = options.Get("report");
        if (reportDirectory is not null)
        {
            OutputPath.RequireFolder(Name, "report", reportDirectory, [SimulationReport.MarkdownFile, SimulationReport.ActiveHostsPlot, SimulationReport.EnergyPlot, SimulationReport.SlavPlot]);
        }
        var specs = options.GetAll("workload") is { Count: > 0 } given ? given : [WorkloadSource.Default];

        // Every run is validated before any starts, so a typo in the last option costs nothing.
        var runs = new List<(Workload Workload, DataCenterSetup Setup, SimulatedPolicy Policy)>();
        var groups = new List<(Workload Workload, DataCenterSetup Setup, int First, int Count)>();
        foreach (var spec in specs)
        {
            var fleet = options.Get("fleet") ?? (spec.StartsWith("bitbrains:", StringComparison.Ordinal) ? "bitbrains" : "cloudsim");
            var setup = fleet switch
            {
                "cloudsim" => DataCenterSetup.CloudSimPlanetLab(options.GetInt("hosts", 800, min: 1, max: 1_000_000), seed),
                "bitbrains" => DataCenterSetup.Bitbrains(options.GetInt("hosts", 24, min: 1, max: 1_000_000), seed),
                _ => throw new UsageException($"roost simulate: --fleet '{fleet}' is not cloudsim or bitbrains"),
            };
            var workload = MoveCommand.VirtualizeForSimulation(options, WorkloadSource.Load(spec, order), setup);
            setup = setup with { SchedulingInterval = workload.Interval, Duration = workload.Interval * workload.Steps };
            var policies = ParsePolicies(policyText, setup.SchedulingInterval);
            groups.Add((workload, setup, runs.Count, policies.Count));
            runs.AddRange(policies.Select(p => (workload, setup, p)));
        }

        var progress = new ProgressBar(runs.Count, enabled: !Console.IsErrorRedirected);
        var results = new SimulationResult[runs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, runs.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, _) =>
            {
                results[i] = DataCenterSimulator.Run(runs[i].Workload, runs[i].Setup, runs[i].Policy, progress.For(i));
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        progress.Finish();

        if (reportDirectory is not null)
        {
            try
            {
                SimulationReport.Write(reportDirectory, results);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"roost simulate: --report {reportDirectory}: {e.Message}", exitCode: 1);
            }
        }

        if (json)
        {
            await Console.Out.WriteAsync(ResultFormatter.Json(results)).ConfigureAwait(false);
            return 0;
        }

        for (var g = 0; g < groups.Count; g++)
        {
            var (workload, setup, first, count) = groups[g];
            if (g > 0)
            {
                await Console.Out.WriteLineAsync().ConfigureAwait(false);
            }

            await Console.Out.WriteAsync(ResultFormatter.Table(workload, setup, results.AsSpan(first, count).ToArray())).ConfigureAwait(false);
        }

        if (reportDirectory is not null)
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Report: {PrintableText.Escape(Path.Combine(reportDirectory, SimulationReport.MarkdownFile))}")).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary><c>--vm-order name|listing</c>, shared by the verbs that read trace folders.</summary>
    public static VmOrder ParseVmOrder(ParsedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Get("vm-order") switch
        {
            null or "name" => VmOrder.Name,
            "listing" => VmOrder.Listing,
            var other => throw new UsageException($"roost {options.Verb}: --vm-order '{other}' is not name or listing"),
        };
    }

    private static List<SimulatedPolicy> ParsePolicies(string text, TimeSpan interval)
    {
        var policies = new List<SimulatedPolicy>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!SimulatedPolicy.TryParse(name, interval, out var policy, out var error))
            {
                throw new UsageException($"roost simulate: --policy {error}");
            }

            policies.Add(policy);
        }

        return policies.Count > 0 ? policies : throw new UsageException("roost simulate: --policy names no policy");
    }
}
