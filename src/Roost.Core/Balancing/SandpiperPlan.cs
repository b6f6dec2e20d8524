using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// The actions one planning step chose, in execution order, and the hosts it could not relieve (ascending id).
/// </summary>
public sealed record SandpiperPlan(IReadOnlyList<SandpiperAction> Actions, IReadOnlyList<HostId> Unresolved)
{
    public static SandpiperPlan Empty { get; } = new([], []);
}
