using System.Globalization;
using System.Text;
using Roost.Simulation.Metrics;
using ScottPlot;

namespace Roost.Simulation.Reporting;

/// <summary>
/// Writes <c>report.md</c> and its PNG plots for a set of simulation results: active hosts over time (one line per
/// policy), energy per policy and SLAV per policy (bars). Output depends only on the results, in their given order.
/// </summary>
public static class SimulationReport
{
    public const string MarkdownFile = "report.md";
    public const string ActiveHostsPlot = "active-hosts.png";
    public const string EnergyPlot = "energy.png";
    public const string SlavPlot = "slav.png";

    private const int Width = 900;
    private const int Height = 500;

    /// <summary>Writes the report into <paramref name="directory"/> (created if missing); returns the files written.</summary>
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<SimulationResult> results)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentOutOfRangeException.ThrowIfZero(results.Count);

        Directory.CreateDirectory(directory);
        var written = new List<string>
        {
            SaveActiveHosts(Path.Join(directory, ActiveHostsPlot), results),
            SaveBars(Path.Join(directory, EnergyPlot), results, r => r.EnergyKwh, "Energy per policy", "energy (kWh)"),
            SaveBars(Path.Join(directory, SlavPlot), results, r => r.SlavPercent, "SLAV per policy", "SLAV (%)"),
        };
        var markdown = Path.Join(directory, MarkdownFile);
        File.WriteAllText(markdown, Markdown(results), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        written.Insert(0, markdown);
        return written;
    }

    /// <summary>The text of <c>report.md</c>.</summary>
    public static string Markdown(IReadOnlyList<SimulationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append("# Roost simulation report\n\n");
        foreach (var workload in results.Select(r => (r.Workload, r.Hosts, r.Vms, r.SimulatedSeconds)).Distinct())
        {
            text.Append(c, $"- Workload `{workload.Workload}`: {workload.Hosts} hosts, {workload.Vms} VMs, ")
                .Append(c, $"{workload.SimulatedSeconds / 3600:F1} h simulated\n");
        }

        var severalWorkloads = results.Select(r => r.Workload).Distinct().Count() > 1;
        text.Append(severalWorkloads ? "\n| policy | workload |" : "\n| policy |")
            .Append(" energy kWh | migrations | SLATAH % | PDM % | SLAV % | ESV | host shutdowns |\n")
            .Append(severalWorkloads ? "|---|---|" : "|---|")
            .Append("---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in results)
        {
            text.Append(c, $"| {r.Policy} |");
            if (severalWorkloads)
            {
                text.Append(c, $" {r.Workload} |");
            }

            text.Append(c, $" {r.EnergyKwh:F2} | {r.Migrations} | {r.SlatahPercent:F2} | {r.PdmPercent:F3} |")
                .Append(c, $" {r.SlavPercent:F5} | {r.Esv:F5} | {r.HostShutdowns} |\n");
        }

        text.Append("\nSLATAH: share of active host time at 100 % CPU. PDM: performance degradation due to migrations. ")
            .Append("SLAV = SLATAH × PDM. ESV = energy × SLAV (Beloglazov & Buyya 2012).\n\n")
            .Append(c, $"![Active hosts over time]({ActiveHostsPlot})\n\n")
            .Append(c, $"![Energy per policy]({EnergyPlot})\n\n")
            .Append(c, $"![SLAV per policy]({SlavPlot})\n");
        return text.ToString();
    }

    private static string SaveActiveHosts(string path, IReadOnlyList<SimulationResult> results)
    {
        var plot = new Plot();
        foreach (var result in results)
        {
            var hours = Array.ConvertAll(result.ActiveHosts.TimesSeconds, s => s / 3600);
            var line = plot.Add.ScatterLine(hours, result.ActiveHosts.Values);
            line.LegendText = result.Policy;
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
        string path, IReadOnlyList<SimulationResult> results, Func<SimulationResult, double> value, string title, string axis)
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
            results.Select(r => r.Policy).ToArray());
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
