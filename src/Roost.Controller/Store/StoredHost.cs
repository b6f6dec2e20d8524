using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>A physical host in the inventory: capacity in cores, MiB and Mbit/s; in maintenance it takes no VMs and is evacuated.</summary>
public sealed record StoredHost(HostId Id, string Name, ResourceVector Capacity, bool Maintenance = false)
{
    /// <summary>Placement may commit this many times a host's cores; memory and network are never oversubscribed.</summary>
    public const double CpuOversubscription = 1.5;

    /// <summary>The most that placement may commit on this host (its capacity, CPU oversubscribed).</summary>
    public ResourceVector PlacementCapacity => Capacity with { CpuCores = Capacity.CpuCores * CpuOversubscription };
}
