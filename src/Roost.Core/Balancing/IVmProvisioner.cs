using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Balancing;

/// <summary>
/// Estimates how much of each resource a VM needs (cores, MiB, Mbit/s) from what monitoring saw: Sandpiper's
/// black-box and gray-box profiling. Implementations are pure functions of their arguments.
/// </summary>
public interface IVmProvisioner
{
    string Name { get; }

    /// <summary>
    /// The VM's need, never negative and never above <paramref name="hostCapacity"/>. With no observations yet the
    /// need is the VM's allocation.
    /// </summary>
    ResourceVector EstimateNeed(VmSnapshot vm, ResourceVector hostCapacity, UsageHistory history);
}
