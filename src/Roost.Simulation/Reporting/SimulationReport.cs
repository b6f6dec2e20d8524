using System.Globalization;
using System.Text;
using Roost.Simulation.Metrics;
using ScottPlot;

namespace Roost.Simulation.Reporting;

/// <summary>
/// Writes <c>report.md</c> and its PNG plots for a set of simulation results: active hosts over time (one line per
/// policy and workload), energy and SLAV per run (bars), and the active-host series as CSV. With several workloads
/// every series and bar is labelled "policy @ workload". The report records the command, version and seed, and every
/// run's warnings. Output depends only on the results and the context, in their given order.
/// </summary>
public static class SimulationReport
{
    public const string MarkdownFile = "report.md";
    public const string ActiveHostsPlot = "active-hosts.png";
    public const string EnergyPlot = "energy.png";
    public const string SlavPlot = "slav.png";
    public const string ActiveHostsCsv = "active-hosts.csv";

    /// <summary>Every file a report writes.</summary>
    public static IReadOnlyList<string> Files { get; } = [MarkdownFile, ActiveHostsPlot, EnergyPlot, SlavPlot, ActiveHostsCsv];

    private const int Width = 900;
    private const int Height = 500;

    /// <summary>Writes the report into <paramref name="directory"/> (created if missing); returns the files written.</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<SimulationResult> results, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfZero(results.Count);

        Directory.CreateDirectory(directory);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        var labels = Labels(results);
        var written = new List<string>
        {
            SaveActiveHosts(Path.Join(directory, ActiveHostsPlot), results, labels),
            SaveBars(Path.Join(directory, EnergyPlot), results, labels, r => r.EnergyKwh, "Energy per run", "energy (kWh)"),
            SaveBars(Path.Join(directory, SlavPlot), results, labels, r => r.SlavPercent, "SLAV per run", "SLAV (%)"),
        };
        var csv = Path.Join(directory, ActiveHostsCsv);
        File.WriteAllText(csv, Csv(results), utf8);
        written.Add(csv);
        var markdown = Path.Join(directory, MarkdownFile);
        File.WriteAllText(markdown, Markdown(results, context), utf8);
        written.Insert(0, markdown);
        return written;
    }

    /// <summary>
    /// The active-host series as CSV, one row per run and time: <c>workload,policy,time_s,active_hosts</c>, fields that
    /// hold a comma, quote or line break quoted (RFC 4180).
    /// </summary>
    public static string Csv(IReadOnlyList<SimulationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder("workload,policy,time_s,active_hosts\n");
        foreach (var r in results)
        {
            var workload = CsvField(r.Workload);
            var policy = CsvField(r.Policy);
            for (var i = 0; i < r.ActiveHosts.TimesSeconds.Length; i++)
            {
                text.Append(c, $"{workload},{policy},{r.ActiveHosts.TimesSeconds[i]:R},{r.ActiveHosts.Values[i]:R}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>The text of <c>report.md</c>.</summary>
    public static string Markdown(IReadOnlyList<SimulationResult> results, ReportContext context)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(context);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append("# Roost simulation report\n\n");
        text.Append(c, $"- Command: `{context.Command.Replace('`', '\'')}`\n")
            .Append(c, $"- Version: roost {context.Version}\n")
            .Append(c, $"- Seed: {context.Seed}\n");
        if (results.Any(r => r.Memory != DataCenter.MemoryAccounting.CloudSim))
        {
            text.Append("- Memory: reserved (every VM's RAM stays booked on its host for as long as it runs)\n");
        }

        foreach (var workload in results.Select(r => (r.Workload, r.Hosts, r.Vms, r.SimulatedSeconds)).Distinct())
        {
            text.Append(c, $"- Workload `{workload.Workload}`: {workload.Hosts} hosts, {workload.Vms} VMs, ")
                .Append(c, $"{workload.SimulatedSeconds / 3600:F1} h simulated\n");
        }

        var severalWorkloads = SpanSeveralWorkloads(results);
        text.Append(severalWorkloads ? "\n| policy | workload |" : "\n| policy |")
            .Append(" energy kWh | migrations | SLATAH % | PDM % | SLAV % | ESV | host shutdowns | overload host-h | VMs never run |\n")
            .Append(severalWorkloads ? "|---|---|" : "|---|")
            .Append("---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in results)
        {
            text.Append(c, $"| {r.Policy} |");
            if (severalWorkloads)
            {
                text.Append(c, $" {r.Workload} |");
            }

            text.Append(c, $" {r.EnergyKwh:F2} | {r.Migrations} | {r.SlatahPercent:F2} | {r.PdmPercent:F3} |")
                .Append(c, $" {r.SlavPercent:F5} | {r.Esv:F5} | {r.HostShutdowns} | {r.OverloadHostSeconds / 3600:F1} | {r.UnplacedVms} |\n");
        }

        text.Append("\nSLATAH: share of active host time at 100 % CPU. PDM: performance degradation due to migrations. ")
            .Append("SLAV = SLATAH × PDM. ESV = energy × SLAV (Beloglazov & Buyya 2012).\n\n")
            .Append(c, $"![Active hosts over time]({ActiveHostsPlot})\n\n")
            .Append(c, $"![Energy per policy]({EnergyPlot})\n\n")
            .Append(c, $"![SLAV per policy]({SlavPlot})\n\n")
            .Append(c, $"The active-host series: [{ActiveHostsCsv}]({ActiveHostsCsv}).\n");
        var warned = results.Where(r => r.Warnings.Count > 0 || r.Notes.Count > 0).ToList();
        if (warned.Count > 0)
        {
            text.Append("\n## Warnings\n\n");
            foreach (var r in warned)
            {
                foreach (var line in r.Warnings)
                {
                    text.Append(c, $"- **{r.Policy} on `{r.Workload}`**: {line}\n");
                }

                foreach (var line in r.Notes)
                {
                    text.Append(c, $"- {r.Policy} on `{r.Workload}` (note): {line}\n");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Each run's label in plots: its policy, or "policy @ workload" when the results span several workloads.</summary>
    private static string[] Labels(IReadOnlyList<SimulationResult> results)
    {
        var several = SpanSeveralWorkloads(results);
        return results.Select(r => several ? $"{r.Policy} @ {r.Workload}" : r.Policy).ToArray();
    }

    /// <summary>Whether the results come from more than one workload (the table then has a workload column, plots "policy @ workload").</summary>
    private static bool SpanSeveralWorkloads(IReadOnlyList<SimulationResult> results) =>
        results.Select(r => r.Workload).Distinct(StringComparer.Ordinal).Skip(1).Any();

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string SaveActiveHosts(string path, IReadOnlyList<SimulationResult> results, string[] labels)
    {
        var plot = new Plot();
        for (var i = 0; i < results.Count; i++)
        {
            var result = results[i];
            var hours = Array.ConvertAll(result.ActiveHosts.TimesSeconds, s => s / 3600);
            var line = plot.Add.ScatterLine(hours, result.ActiveHosts.Values);
            line.LegendText = labels[i];
            line.LineWidth = 1.5f;
        }

        plot.Title("Active hosts over time");
        plot.XLabel("time (h)");
        plot.YLabel("active hosts");
        var mostHosts = results.Max(r => r.ActiveHosts.Values.DefaultIfEmpty(0).Max());
        plot.Axes.SetLimitsY(0, Math.Max(1, mostHosts * 1.1));
        var lastHour = results.Max(r => r.ActiveHosts.TimesSeconds.LastOrDefault()) / 3600;
        if (lastHour > 0)
        {
            plot.Axes.SetLimitsX(0, lastHour);
        }

        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string SaveBars(
        string path, IReadOnlyList<SimulationResult> results, string[] labels, Func<SimulationResult, double> value, string title, string axis)
    {
        var plot = new Plot();
        var bars = plot.Add.Bars(results.Select(value).ToArray());
        for (var i = 0; i < bars.Bars.Count; i++)
        {
            bars.Bars[i].FillColor = plot.Add.Palette.GetColor(i);
            bars.Bars[i].Label = value(results[i]).ToString("G4", CultureInfo.InvariantCulture);
        }

        bars.ValueLabelStyle.FontSize = 12;
        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, results.Count).Select(i => (double)i).ToArray(),
            labels);
        if (results.Count > 4)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.UpperRight;
            plot.Axes.Bottom.MinimumSize = 100;
        }

        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(title);
        plot.YLabel(axis);
        plot.HideGrid();
        plot.SavePng(path, Width, Height);
        return path;
    }
}
