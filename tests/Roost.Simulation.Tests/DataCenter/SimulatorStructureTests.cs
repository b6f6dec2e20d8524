using System.Reflection;
using System.Runtime.CompilerServices;
using Roost.Simulation.DataCenter;

namespace Roost.Simulation.Tests.DataCenter;

/// <summary>
/// The simulator stays readable in pieces: no class of <c>Roost.Simulation</c> (the data centers, the search, the
/// readers, scenarios and reports) holds more than 40 fields or spans more than 800 lines of source (its partial files
/// together).
/// </summary>
public sealed class SimulatorStructureTests
{
    private const int MaxFields = 40;
    private const int MaxLines = 800;

    private static IEnumerable<Type> SimulatorTypes() => typeof(PowerDataCenter).Assembly.GetTypes()
        .Where(t => t.Namespace?.StartsWith("Roost.Simulation", StringComparison.Ordinal) == true)
        .Where(t => t.GetCustomAttribute<CompilerGeneratedAttribute>() is null && !t.Name.Contains('<', StringComparison.Ordinal));

    [Fact]
    public void NoSimulatorClass_HoldsMoreThan40Fields()
    {
        // Every field counts: constants apart, static or instance, including those behind auto-properties and
        // captured primary-constructor parameters.
        var fields = SimulatorTypes().ToDictionary(
            t => t.FullName ?? t.Name,
            t => t.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly).Count(f => !f.IsLiteral));

        Assert.True(fields.ContainsKey(typeof(PowerDataCenter).FullName!), "the simulator's types were not found");
        Assert.True(fields.Keys.Count(name => !name.StartsWith("Roost.Simulation.DataCenter", StringComparison.Ordinal)) > 20, "only the data center's types were found");
        Assert.All(fields, pair => Assert.True(pair.Value <= MaxFields, $"{pair.Key} holds {pair.Value} fields"));
    }

    [Fact]
    public void NoSimulatorClass_SpansMoreThan800Lines()
    {
        var folder = Path.Combine(RepositoryFolder.Root, "src", "Roost.Simulation");

        // One top-level type per file, named after it; a partial type's other files are Type.Concern.cs beside it. A
        // file holding several types counts whole for its first, which can only overstate.
        var lines = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
            .GroupBy(file => Path.Combine(Path.GetRelativePath(folder, Path.GetDirectoryName(file)!), Path.GetFileName(file).Split('.')[0]))
            .ToDictionary(group => group.Key, group => group.Sum(file => File.ReadLines(file).Count()));

        Assert.True(lines.ContainsKey(Path.Combine("DataCenter", nameof(PowerDataCenter))), $"no DataCenter/{nameof(PowerDataCenter)}.cs under {folder}");
        Assert.True(lines.ContainsKey(Path.Combine("Scenarios", "ScenarioReader")), $"no Scenarios/ScenarioReader.cs under {folder}");
        Assert.All(lines, pair => Assert.True(pair.Value <= MaxLines, $"{pair.Key} spans {pair.Value} lines"));
    }
}
