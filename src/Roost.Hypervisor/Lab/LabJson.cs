using System.Text.Json;

namespace Roost.Hypervisor.Lab;

/// <summary>How the lab's state and the relay's counters are written: web casing, indented, so a person can read them.</summary>
internal static class LabJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
