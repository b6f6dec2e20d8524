using System.Globalization;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Reporting;
using Roost.Simulation.Workloads;

namespace Roost.Cli.Commands;

/// <summary><c>roost simulate</c>: replay a workload through a simulated data center under one or more policies.</summary>
internal sealed class SimulateCommand : ICommand
{
    public const string DefaultPolicies = "npa,dvfs,thr-mmt-0.8,iqr-mmt-1.5,mad-mmt-2.5,lr-mmt-1.2";

    public string Name => "simulate";

    public string Summary => "Simulate a data center on a VM workload trace under one or more policies";

    public OptionSet Options { get; } = new OptionSet(
            "roost simulate [--workload W] [--policy P[,P...]] [--hosts N] [--seed N] [--json] [--report DIR]",
            """
            Replays VM CPU demand traces through a simulated data center of HP ProLiant ML110 G4/G5 hosts (as in
            CloudSim's power examples and Beloglazov & Buyya 2012) and prints energy, migrations and SLA figures,
            one row per policy. Policies run in parallel; results are deterministic.
            """)
        .Add("workload", "W", $"The VM demand: {WorkloadSource.Usage}.\nDefault: synthetic (a built-in PlanetLab-like day, seed 1).")
        .Add("policy", "P[,P...]", $"Policies: npa, dvfs, <thr|iqr|mad|lr|lrr>-<mmt|mu|rs|mc>-<parameter>, sandpiper,\nsandpiper-graybox, sandpiper+consolidate. Default: {DefaultPolicies}.")
        .Add("vm-order", "name|listing", "Which trace file becomes VM 0, 1, …: file names in byte order (default), or the\nfile system's listing order, as CloudSim's File.listFiles() reads it (not portable).")
        .Add("fleet", "cloudsim|bitbrains", "Hosts: HP ProLiant ML110 G4/G5 with CloudSim's VM types (default), or 32-core\n256 GiB servers running VMs of their trace sizes (default for bitbrains: workloads).")
        .Add("hosts", "N", "Number of hosts. Default: 800 (cloudsim fleet), 24 (bitbrains fleet).")
        .Add("seed", "N", "Seed for random VM selection (rs). Default: 1.")
        .Add("json", null, "Print the results as JSON on stdout (and nothing else there).")
        .Add("report", "DIR", "Also write DIR/report.md with PNG plots (active hosts, energy, SLAV).");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        var workloadSpec = options.Get("workload") ?? WorkloadSource.Default;
        var fleet = options.Get("fleet") ?? (workloadSpec.StartsWith("bitbrains:", StringComparison.Ordinal) ? "bitbrains" : "cloudsim");
        var seed = options.GetInt("seed", 1);
        var setup = fleet switch
        {
            "cloudsim" => DataCenterSetup.CloudSimPlanetLab(options.GetInt("hosts", 800, min: 1, max: 1_000_000), seed),
            "bitbrains" => DataCenterSetup.Bitbrains(options.GetInt("hosts", 24, min: 1, max: 1_000_000), seed),
            _ => throw new UsageException($"roost simulate: --fleet '{fleet}' is not cloudsim or bitbrains"),
        };
        var policies = ParsePolicies(options.Get("policy") ?? DefaultPolicies, setup.SchedulingInterval);
        var json = options.Has("json");
        var reportDirectory = options.Get("report");

        var order = options.Get("vm-order") switch
        {
            null or "name" => VmOrder.Name,
            "listing" => VmOrder.Listing,
            var other => throw new UsageException($"roost simulate: --vm-order '{other}' is not name or listing"),
        };
        var workload = WorkloadSource.Load(workloadSpec, order);
        if (workload.Interval != setup.SchedulingInterval)
        {
            setup = setup with { SchedulingInterval = workload.Interval };
            policies = ParsePolicies(options.Get("policy") ?? DefaultPolicies, setup.SchedulingInterval);
        }

        using var progress = new ProgressBar(policies.Count, enabled: !Console.IsErrorRedirected);
        var results = new SimulationResult[policies.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, policies.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, _) =>
            {
                results[i] = DataCenterSimulator.Run(workload, setup, policies[i], progress.For(i));
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
        }
        else
        {
            await Console.Out.WriteAsync(ResultFormatter.Table(workload, setup, results)).ConfigureAwait(false);
            if (reportDirectory is not null)
            {
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Report: {Path.Combine(reportDirectory, SimulationReport.MarkdownFile)}")).ConfigureAwait(false);
            }
        }

        return 0;
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
