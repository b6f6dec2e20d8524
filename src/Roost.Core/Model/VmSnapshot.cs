namespace Roost.Core.Model;

/// <summary>
/// A VM as a planner sees it at one instant. <see cref="Allocation"/> is what the hypervisor grants it (CPU cap,
/// memory reservation, network share); its memory component is the VM's memory size. <see cref="LastMovedAt"/> is
/// when it last started a migration or swap (null if never), on the driver's clock.
/// </summary>
public sealed record VmSnapshot(VmId Id, HostId Host, ResourceVector Allocation, TimeSpan? LastMovedAt = null);
