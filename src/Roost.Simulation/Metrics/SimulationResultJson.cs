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
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
