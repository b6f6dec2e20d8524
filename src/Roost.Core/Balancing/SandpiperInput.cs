using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// What one planning step sees: the time (for cool-downs), every host, every VM with its need, and the hosts
/// monitoring found hot. A VM being migrated is listed on its destination (its reservation lives there).
/// </summary>
public sealed record SandpiperInput(
    TimeSpan Now,
    IReadOnlyList<HostSnapshot> Hosts,
    IReadOnlyList<VmAssessment> Vms,
    IReadOnlySet<HostId> HotHosts)
{
    /// <summary>Memory sharing (Memory Buddies); null plans without it.</summary>
    public SandpiperSharing? Sharing { get; init; }
}
