using Roost.Core.Model;

namespace Roost.Simulation.Scenarios;

/// <summary>
/// A VM of a scenario: where it starts, what it is allocated (CPU cap, memory size, network cap) and what it demands
/// over time. With <see cref="GuestStats"/> its guest reports memory statistics to a gray-box monitor.
/// </summary>
public sealed record ScenarioVm(
    VmId Id,
    string Name,
    HostId Host,
    ResourceVector Allocation,
    bool GuestStats,
    IReadOnlyList<LoadPhase> Phases)
{
    /// <summary>The phase in force during second <paramref name="second"/> (phases are sorted and start at 0).</summary>
    public LoadPhase PhaseAt(int second)
    {
        var current = Phases[0];
        foreach (var phase in Phases)
        {
            if (phase.StartSecond > second)
            {
                break;
            }

            current = phase;
        }

        return current;
    }
}
