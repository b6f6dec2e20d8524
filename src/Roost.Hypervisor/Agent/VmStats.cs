using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Statistics of one VM: black-box from the host (<see cref="HostCpuSeconds"/>: QEMU's user+system CPU time;
/// <see cref="HostResidentBytes"/>: its RSS, guest RAM included) and gray-box from the guest reporter (null until the
/// guest has reported).
/// </summary>
public sealed record VmStats(string Id, double HostCpuSeconds, long HostResidentBytes, GuestReport? Guest);
