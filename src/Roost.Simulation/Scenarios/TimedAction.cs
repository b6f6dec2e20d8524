using Roost.Core.Balancing;

namespace Roost.Simulation.Scenarios;

/// <summary>An action a planner chose, with the scenario time at which it was applied.</summary>
public sealed record TimedAction(TimeSpan At, SandpiperAction Action)
{
    public override string ToString() => $"t={At.TotalSeconds:0.###}s {Action}";
}
