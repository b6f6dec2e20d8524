using System.Globalization;
using System.Text;
using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.Baselines;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost reproduce cloudsim</c>: runs Roost's baselines on the PlanetLab days of CloudSim's reference run and
/// prints Roost's figures beside CloudSim 3.0.3's, with the tolerances the project holds itself to.
/// </summary>
internal sealed class ReproduceCommand : ICommand
{
    private const double EnergyTolerance = 0.05;
    private const double MigrationTolerance = 0.10;
    private const double SlatahTolerancePoints = 1.0;

    public string Name => "reproduce";

    public string Summary => "Reproduce a published peer's experiment and compare (cloudsim: Beloglazov & Buyya 2012 in CloudSim 3.0.3)";

    public OptionSet Options { get; } = new OptionSet(
            "roost reproduce cloudsim [--traces DIR] [--vm-order name|listing] [--markdown]",
            """
            Simulates npa, dvfs, thr-mmt-1.0, thr-mmt-0.8, iqr-mmt-1.5, mad-mmt-2.5, lr-mmt-1.2 and lrr-mmt-1.2 on the
            PlanetLab days 20110303, 20110306 and 20110309 and prints each figure beside CloudSim 3.0.3's reference run.
            Tolerances: energy ±5 % (npa ±1 %, dvfs ±3 %), migrations ±10 %, SLATAH ±1 point.
            Exits 1 if any figure is outside its tolerance.
            """)
        .WithArguments("cloudsim", "cloudsim")
        .Add("traces", "DIR", "The PlanetLab folder holding one folder per day. Default: ../shared/traces/planetlab\nnext to the repository.")
        .Add("vm-order", "name|listing", "VM order within a day (see 'roost simulate --help'). CloudSim's reference run used\nthe listing order of its disk. Default: name.")
        .Add("markdown", null, "Print the table as Markdown.");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Positional is not ["cloudsim"])
        {
            throw new UsageException("roost reproduce: name the experiment: 'roost reproduce cloudsim'");
        }

        var traces = options.Get("traces") ?? DefaultTraces()
            ?? throw new UsageException("roost reproduce cloudsim: ../shared/traces/planetlab not found next to the repository; pass --traces DIR", exitCode: 2);
        var order = SimulateCommand.ParseVmOrder(options);

        var setup = DataCenterSetup.CloudSimPlanetLab();
        var jobs = CloudSimReference.Figures.Select(f => f).ToList();
        var workloads = CloudSimReference.Days.ToDictionary(
            day => day,
            day => WorkloadSource.Load($"planetlab:{Path.Combine(traces, day)}", order),
            StringComparer.Ordinal);
        var results = new SimulationResult[jobs.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, jobs.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, _) =>
            {
                if (!ConsolidationPolicy.TryParse(jobs[i].Policy, setup.SchedulingInterval, out var policy, out var error))
                {
                    throw new InvalidOperationException(error);
                }

                results[i] = DataCenterSimulator.Run(workloads[jobs[i].Day], setup, policy);
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);

        var (table, failures) = Render(jobs, results, options.Has("markdown"), order);
        await Console.Out.WriteAsync(table).ConfigureAwait(false);
        return failures == 0 ? 0 : 1;
    }

    private static string? DefaultTraces()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Roost.slnx")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "traces", "planetlab"));
                return Directory.Exists(path) ? path : null;
            }
        }

        return null;
    }

    private static (string Table, int Failures) Render(List<CloudSimFigures> jobs, SimulationResult[] results, bool markdown, VmOrder order)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var failures = 0;
        string[] header = ["policy", "day", "kWh Roost", "kWh CloudSim", "Δ %", "migr. Roost", "migr. CloudSim", "Δ %", "SLATAH Roost", "SLATAH CloudSim", "Δ pt", "PDM Roost", "PDM CloudSim", "ok"];
        var rows = new List<string[]>();
        for (var i = 0; i < jobs.Count; i++)
        {
            var reference = jobs[i];
            var ours = results[i];
            var energyDelta = (ours.EnergyKwh / reference.EnergyKwh) - 1;
            var energyTolerance = reference.Policy switch { "npa" => 0.01, "dvfs" => 0.03, _ => EnergyTolerance };
            var migrationDelta = reference.Migrations == 0 ? 0 : ((double)ours.Migrations / reference.Migrations) - 1;
            double? slatahDelta = reference.SlatahPercent is { } s ? ours.SlatahPercent - s : null;
            var ok = Math.Abs(energyDelta) <= energyTolerance
                && (reference.Migrations == 0 ? ours.Migrations == 0 : Math.Abs(migrationDelta) <= MigrationTolerance)
                && (slatahDelta is null || Math.Abs(slatahDelta.Value) <= SlatahTolerancePoints);
            failures += ok ? 0 : 1;
            rows.Add(
            [
                reference.Policy, reference.Day,
                ours.EnergyKwh.ToString("F2", inv), reference.EnergyKwh.ToString("F2", inv), (energyDelta * 100).ToString("+0.00;-0.00;0.00", inv),
                ours.Migrations.ToString(inv), reference.Migrations.ToString(inv), (migrationDelta * 100).ToString("+0.0;-0.0;0.0", inv),
                reference.SlatahPercent is null ? "–" : ours.SlatahPercent.ToString("F2", inv),
                reference.SlatahPercent?.ToString("F2", inv) ?? "–",
                slatahDelta?.ToString("+0.00;-0.00;0.00", inv) ?? "–",
                reference.PdmPercent is null ? "–" : ours.PdmPercent.ToString("F2", inv),
                reference.PdmPercent?.ToString("F2", inv) ?? "–",
                ok ? "yes" : "NO",
            ]);
        }

        text.AppendLine(inv, $"Roost vs CloudSim 3.0.3 reference run, PlanetLab, 800 hosts, VM order: {(order == VmOrder.Name ? "file name" : "file-system listing")}");
        text.AppendLine();
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        Append(text, header, widths, markdown);
        Append(text, widths.Select(w => markdown ? new string('-', Math.Max(3, w)) : new string('-', w)).ToArray(), widths, markdown);
        foreach (var row in rows)
        {
            Append(text, row, widths, markdown);
        }

        text.AppendLine();
        text.AppendLine(inv, $"{rows.Count - failures} of {rows.Count} within tolerance (energy ±5 %, npa ±1 %, dvfs ±3 %; migrations ±10 %; SLATAH ±1 point).");
        return (text.ToString(), failures);
    }

    private static void Append(StringBuilder text, string[] cells, int[] widths, bool markdown)
    {
        if (markdown)
        {
            text.Append("| ").AppendJoin(" | ", cells).AppendLine(" |");
            return;
        }

        for (var c = 0; c < cells.Length; c++)
        {
            text.Append(c == 0 ? "" : "  ").Append(c < 2 ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c]));
        }

        text.AppendLine();
    }
}
