using System.Globalization;
using System.Text;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Cli.Commands;

/// <summary>Renders simulation results as the table people read and the JSON scripts read.</summary>
internal static class ResultFormatter
{
    public static string Table(Workload workload, DataCenterSetup setup, IReadOnlyList<SimulationResult> results)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.Append(inv, $"Workload {workload.Name}: {workload.Vms.Count} VMs, {workload.Steps} samples of {workload.Interval.TotalSeconds:0} s; ")
            .Append(inv, $"{setup.HostCount} hosts ({string.Join(" / ", setup.HostTypes.Select(t => t.Name))})")
            .AppendLine()
            .AppendLine();
        string[] header = ["policy", "energy kWh", "migrations", "SLATAH %", "PDM %", "SLAV %", "ESV", "host shutdowns", "overload host-h", "mem-overcommit host-h"];
        var rows = results.Select(r => new[]
        {
            r.Policy,
            r.EnergyKwh.ToString("F2", inv),
            r.Migrations.ToString(inv),
            r.SlatahPercent.ToString("F2", inv),
            r.PdmPercent.ToString("F2", inv),
            r.SlavPercent.ToString("F5", inv),
            r.Esv.ToString("F5", inv),
            r.HostShutdowns.ToString(inv),
            (r.OverloadHostSeconds / 3600).ToString("F1", inv),
            (r.MemoryOvercommitHostSeconds / 3600).ToString("F1", inv),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        AppendRow(text, header, widths);
        AppendRow(text, widths.Select(w => new string('-', w)).ToArray(), widths);
        foreach (var row in rows)
        {
            AppendRow(text, row, widths);
        }

        if (results.Count > 0 && results[0].Memory == MemoryAccounting.Reserved)
        {
            text.AppendLine("memory: reserved (every VM's RAM stays booked on its host, and on a migration's target from its start)");
        }

        foreach (var r in results)
        {
            foreach (var warning in r.Warnings)
            {
                text.AppendLine(inv, $"warning: {r.Policy}: {warning}");
            }
        }

        foreach (var r in results)
        {
            foreach (var note in r.Notes)
            {
                text.AppendLine(inv, $"note: {r.Policy}: {note}");
            }
        }

        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < cells.Length; i++)
        {
            if (i > 0)
            {
                text.Append("  ");
            }

            text.Append(i == 0 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i]));
        }

        text.AppendLine();
    }

    /// <summary>The JSON scripts read (<see cref="SimulationResultJson"/>, shared with the golden files).</summary>
    public static string Json(IReadOnlyList<SimulationResult> results) => SimulationResultJson.Write(results);
}
