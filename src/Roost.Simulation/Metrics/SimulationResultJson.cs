using System.Text;
using System.Text.Json;

namespace Roost.Simulation.Metrics;

/// <summary>
/// The JSON form of simulation results that <c>roost simulate --json</c> prints and the golden files hold:
/// <c>{"results":[{...}]}</c> with the fields in a fixed order and numbers in round-trip form, so equal results give
/// byte-identical output.
/// </summary>
public static class SimulationResultJson
{
    public static string Write(IReadOnlyList<SimulationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("results");
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteString("policy", r.Policy);
                json.WriteString("workload", r.Workload);
                json.WriteNumber("hosts", r.Hosts);
                json.WriteNumber("vms", r.Vms);
                json.WriteNumber("simulatedSeconds", r.SimulatedSeconds);
                json.WriteNumber("energyKwh", r.EnergyKwh);
                json.WriteNumber("migrations", r.Migrations);
                json.WriteNumber("slatahPercent", r.SlatahPercent);
                json.WriteNumber("pdmPercent", r.PdmPercent);
                json.WriteNumber("slavPercent", r.SlavPercent);
                json.WriteNumber("esv", r.Esv);
                json.WriteNumber("hostShutdowns", r.HostShutdowns);
                json.WriteNumber("overloadHostSeconds", r.OverloadHostSeconds);
                json.WriteNumber("hotspots", r.Hotspots);
                json.WriteNumber("unplacedVms", r.UnplacedVms);

                // Written only when they say something, so the JSON of a run where every VM runs under CloudSim's accounting
                // (and the golden files) stays as it was. Notes (VMs that left early) are in the table and report only.
                if (r.Memory != DataCenter.MemoryAccounting.CloudSim)
                {
                    json.WriteString("memory", r.Memory.ToString().ToLowerInvariant());
                    json.WriteNumber("memoryOvercommitHostSeconds", r.MemoryOvercommitHostSeconds);
                }

                WriteLines(json, "warnings", r.Warnings);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteLines(Utf8JsonWriter json, string name, IReadOnlyList<string> lines)
    {
        if (lines.Count == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var line in lines)
        {
            json.WriteStringValue(line);
        }

        json.WriteEndArray();
    }
}
