using System.Globalization;
using Roost.Core.Balancing.Consolidation;
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
        .Add("policy", "P[,P...]", $"Policies: npa, dvfs, or <thr|iqr|mad|lr|lrr>-<mmt|mu|rs|mc>-<parameter>.\nDefault: {DefaultPolicies}.")
        .Add("vm-order", "name|listing", "Which trace file becomes VM 0, 1, …: file names in byte order (default), or the\nfile system's listing order, as CloudSim's File.listFiles() reads it (not portable).")
        .Add("hosts", "N", "Number of hosts (half G4, half G5). Default: 800.")
        .Add("seed", "N", "Seed for random VM selection (rs). Default: 1.")
        .Add("json", null, "Print the results as JSON on stdout (and nothing else there).")
        .Add("report", "DIR", "Also write DIR/report.md with PNG plots (active hosts, energy, SLAV).");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        var hosts = options.GetInt("hosts", 800, min: 1, max: 1_000_000);
        var seed = options.GetInt("seed", 1);
        var setup = DataCenterSetup.CloudSimPlanetLab(hosts, seed);
        var policies = ParsePolicies(options.Get("policy") ?? DefaultPolicies, setup.SchedulingInterval);
        var json = options.Has("json");
        var reportDirectory = options.Get("report");

        var order = options.Get("vm-order") switch
        {
            null or "name" => VmOrder.Name,
            "listing" => VmOrder.Listing,
            var other => throw new UsageException($"roost simulate: --vm-order '{other}' is not name or listing"),
        };
        var workload = WorkloadSource.Load(options.Get("workload") ?? WorkloadSource.Default, order);
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

    private static List<ConsolidationPolicy> ParsePolicies(string text, TimeSpan interval)
    {
        var policies = new List<ConsolidationPolicy>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ConsolidationPolicy.TryParse(name, interval, out var policy, out var error))
            {
                throw new UsageException($"roost simulate: --policy {error}");
            }

            policies.Add(policy);
        }

        return policies.Count > 0 ? policies : throw new UsageException("roost simulate: --policy names no policy");
    }
}
