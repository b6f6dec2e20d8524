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
            "roost simulate [--workload W]... [--policy P[,P...]] [--fleet F | --hardware FILE] [--hosts N] [--memory M] [--seed N] [--vm-order O] [--json] [--report DIR]",
            """
            Replays VM CPU demand traces through a simulated data center of HP ProLiant ML110 G4/G5 hosts (as in
            CloudSim's power examples and Beloglazov & Buyya 2012) and prints energy, migrations and SLA figures,
            one row per policy. Policies run in parallel; results are deterministic. VMs that never run (no host can
            create them) or are placed without room are warned about on stderr, in the table, the JSON and the report.
            """)
        .Add("workload", "W", $"The VM demand: {WorkloadSource.Usage}.\nRepeat to run several workloads. Default: synthetic (a built-in PlanetLab-like day, seed 1).", repeatable: true)
        .Add("policy", "P[,P...]", $"Policies: npa, dvfs, <thr|iqr|mad|lr|lrr>-<mmt|mu|rs|mc>-<parameter>, sandpiper,\nsandpiper-graybox, sandpiper+consolidate;\nor Memory Buddies' sharing model: {string.Join(", ", SharingPolicies.Names)}.\nDefault: {DefaultPolicies}.")
        .Add("vm-order", "name|listing", "Which trace file becomes VM 0, 1, …: file names in byte order (default), or the\nfile system's listing order, as CloudSim's File.listFiles() reads it (not portable).")
        .Add("fleet", "cloudsim|bitbrains|bitbrains-fit", "Hosts: HP ProLiant ML110 G4/G5 with CloudSim's VM types (default), 32-core\n256 GiB servers running VMs of their trace sizes (default for bitbrains: workloads; 236 of\nBitbrains' 425 day-1 VMs have cores too fast for them), or 48 servers of 32 × 3000 MIPS and 768 GiB\nthat every Bitbrains day-1 VM fits (docs/experiments/sandpiper-vs-baselines.md).")
        .Add("hardware", "FILE", "Hosts and VM types from a JSON file (cores, MIPS, memory, bandwidth, power table or\nlinear model; docs/hardware.md) instead of --fleet.")
        .Add("hosts", "N", "Number of hosts. Default: 800 (cloudsim fleet), 24 (bitbrains), 48 (bitbrains-fit),\nthe hardware file's count, 200 (sharing).")
        .Add("memory", "cloudsim|reserved", "How the CloudSim baselines account for VM memory: booked only while a VM is\ncreated, as CloudSim does (default), or reserved for as long as it runs, so migrations\nand consolidation honour it as Sandpiper does (docs/baselines.md).")
        .Add("seed", "N", "Seed for random VM selection (rs). Default: 1.")
        .Add("host-memory", "MiB", "Sharing policies: memory per host (default 16384).")
        .Add("vm-memory", "MiB[,MiB...]", "Sharing policies: VM sizes, drawn uniformly (default 256,512,1024).")
        .Add("fingerprints", "DIR", "Sharing policies: measured guest fingerprints PROFILE-N.rsfp (default: built in).")
        .Add("overhead-model", "MODEL", "Plan with virtualization overhead: each VM's trace is taken as native usage and\nconverted with a MOVE model ('roost move fit'; docs/move.md) before simulating.")
        .Add("json", null, "Print the results as JSON on stdout (and nothing else there).")
        .Add("report", "DIR", "Also write DIR/report.md (with the command, version and seed), PNG plots (active hosts,\nenergy, SLAV) and the active-host series as CSV.");

    /// <summary>Options only the trace simulation reads: a sharing run refuses them instead of ignoring them.</summary>
    private static readonly string[] _traceOnlyOptions = ["workload", "vm-order", "fleet", "hardware", "memory", "overhead-model", "json", "report"];

    /// <summary>Options only the sharing model reads: a trace run refuses them instead of ignoring them.</summary>
    private static readonly string[] _sharingOnlyOptions = ["host-memory", "vm-memory", "fingerprints"];

    /// <summary>The options in the order the report's command line shows them.</summary>
    private static readonly string[] _optionOrder =
        ["workload", "policy", "vm-order", "fleet", "hardware", "hosts", "memory", "seed", "overhead-model", "json", "report"];

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        if (SharingSimulationRun.Handles(options.Get("policy") ?? DefaultPolicies))
        {
            if (_traceOnlyOptions.FirstOrDefault(options.Has) is { } traceOnly)
            {
                throw new UsageException($"roost simulate: --{traceOnly} applies to trace workloads, not to sharing policies (mem-first-fit, memory-buddies…), which print their table only");
            }

            return await SharingSimulationRun.RunAsync(options, options.Get("policy") ?? DefaultPolicies, cancellationToken).ConfigureAwait(false);
        }

        if (_sharingOnlyOptions.FirstOrDefault(options.Has) is { } sharingOnly)
        {
            throw new UsageException($"roost simulate: --{sharingOnly} applies to sharing policies (mem-first-fit, memory-buddies…), not to trace workloads");
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
            OutputPath.RequireFolder(Name, "report", reportDirectory, SimulationReport.Files);
        }
        var specs = options.GetAll("workload") is { Count: > 0 } given ? given : [WorkloadSource.Default];
        var memory = options.Get("memory") switch
        {
            null or "cloudsim" => MemoryAccounting.CloudSim,
            "reserved" => MemoryAccounting.Reserved,
            var other => throw new UsageException($"roost simulate: --memory '{PrintableText.Escape(other)}' is not cloudsim or reserved"),
        };
        if (options.Has("hardware") && options.Has("fleet"))
        {
            throw new UsageException("roost simulate: give --fleet or --hardware, not both");
        }

        // Read once, before any trace: every workload runs on the same fleet.
        var hardware = options.Get("hardware") is { } hardwarePath ? ReadHardware(hardwarePath, options, seed) : null;

        // Every run is validated before any starts, so a typo in the last option costs nothing.
        var runs = new List<(Workload Workload, DataCenterSetup Setup, SimulatedPolicy Policy)>();
        var groups = new List<(Workload Workload, DataCenterSetup Setup, int First, int Count)>();
        foreach (var spec in specs)
        {
            var setup = hardware ?? NamedFleet(options, spec, seed);
            var workload = MoveCommand.VirtualizeForSimulation(options, WorkloadSource.Load(spec, order), setup);
            setup = setup with { SchedulingInterval = workload.Interval, Duration = workload.Interval * workload.Steps, Memory = memory };
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

        // Loud: a comparison of policies that ran different sets of VMs is not a comparison.
        foreach (var r in results)
        {
            foreach (var warning in r.Warnings)
            {
                await Console.Error.WriteLineAsync($"roost simulate: warning: {PrintableText.Escape(r.Workload)}: {r.Policy}: {warning}").ConfigureAwait(false);
            }
        }

        if (reportDirectory is not null)
        {
            try
            {
                SimulationReport.Write(reportDirectory, results, new ReportContext(CommandLine(options), ReportContext.VersionOf(typeof(SimulateCommand).Assembly), seed));
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

    private static DataCenterSetup NamedFleet(ParsedOptions options, string spec, int seed)
    {
        var fleet = options.Get("fleet") ?? (spec.StartsWith("bitbrains:", StringComparison.Ordinal) ? "bitbrains" : "cloudsim");
        return fleet switch
        {
            "cloudsim" => DataCenterSetup.CloudSimPlanetLab(options.GetInt("hosts", 800, min: 1, max: 1_000_000), seed),
            "bitbrains" => DataCenterSetup.Bitbrains(options.GetInt("hosts", 24, min: 1, max: 1_000_000), seed),
            "bitbrains-fit" => DataCenterSetup.BitbrainsFit(options.GetInt("hosts", 48, min: 1, max: 1_000_000), seed),
            _ => throw new UsageException($"roost simulate: --fleet '{PrintableText.Escape(fleet)}' is not cloudsim, bitbrains or bitbrains-fit"),
        };
    }

    private static DataCenterSetup ReadHardware(string path, ParsedOptions options, int seed)
    {
        try
        {
            // Interval and duration are the workload's, set by the caller.
            var setup = HardwareReader.ReadFile(path, TimeSpan.FromSeconds(300), TimeSpan.FromHours(24), seed);
            return setup with { HostCount = options.GetInt("hosts", setup.HostCount, min: 1, max: HardwareReader.MaxHosts) };
        }
        catch (HardwareFormatException e)
        {
            throw new UsageException($"roost simulate: --hardware {e.Message}");
        }
    }

    /// <summary>The command as given, options in a fixed order, quoted for a POSIX shell where needed (for the report).</summary>
    private static string CommandLine(ParsedOptions options)
    {
        var words = new List<string> { "roost", "simulate" };
        foreach (var name in _optionOrder)
        {
            if (name is "json")
            {
                if (options.Has(name))
                {
                    words.Add("--json");
                }

                continue;
            }

            foreach (var value in options.GetAll(name))
            {
                words.Add($"--{name}");
                words.Add(value.Length > 0 && value.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_.,:/+=@".Contains(ch, StringComparison.Ordinal))
                    ? value
                    : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'");
            }
        }

        return PrintableText.Escape(string.Join(' ', words));
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
