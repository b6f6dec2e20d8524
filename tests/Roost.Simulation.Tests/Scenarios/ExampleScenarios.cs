using Roost.Simulation.Scenarios;

namespace Roost.Simulation.Tests.Scenarios;

/// <summary>Loads the scenarios under examples/scenarios, found by walking up to the repository root.</summary>
internal static class ExampleScenarios
{
    public static Scenario Load(string name) => ScenarioReader.ReadFile(Path.Combine(Directory(), name + ".json"));

    public static string Directory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Roost.slnx")))
            {
                return Path.Combine(dir.FullName, "examples", "scenarios");
            }
        }

        throw new InvalidOperationException($"No Roost.slnx above {AppContext.BaseDirectory}.");
    }
}
