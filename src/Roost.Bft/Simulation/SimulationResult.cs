namespace Roost.Bft.Simulation;

/// <summary>What one simulated run found: its invariant violations (none, when correct) and counts of what happened.</summary>
public sealed record SimulationResult(
    SimulationScenario Scenario,
    IReadOnlyList<string> Violations,
    long EndMicros,
    long Events,
    long Messages,
    int Views,
    int Wakes,
    int Syncs,
    int CorruptionsDetected,
    int ObjectsRepaired,
    int Retired)
{
    public bool Passed => Violations.Count == 0;
}
