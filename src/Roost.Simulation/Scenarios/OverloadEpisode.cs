using Roost.Core.Model;

namespace Roost.Simulation.Scenarios;

/// <summary>
/// A stretch of whole seconds during which a host was overloaded in truth (see <see cref="ScenarioStepper"/>): from
/// <see cref="OnsetSecond"/> up to, not including, <see cref="ReliefSecond"/>; null relief means it never ended.
/// </summary>
public sealed record OverloadEpisode(HostId Host, int OnsetSecond, int? ReliefSecond)
{
    public int? SecondsToRelief => ReliefSecond - OnsetSecond;
}
