using System.Reflection;

namespace Roost.Simulation.Reporting;

/// <summary>What a report records about how it was made, so a reader can run it again: the command, Roost's version and the seed.</summary>
public sealed record ReportContext(string Command, string Version, int Seed)
{
    /// <summary>The informational version of <paramref name="assembly"/> (with the source commit where the build knew it).</summary>
    public static string VersionOf(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
    }
}
