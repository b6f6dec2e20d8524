using Roost.Core.Model;

namespace Roost.Core.Cluster;

/// <summary>
/// A VM of the <see cref="ClusterModel"/>: the host it runs on (its source while it migrates), what it holds there, when
/// it last started a migration, and the migration under way if any.
/// </summary>
public readonly record struct ModelVm(VmId Id, HostId Host, ResourceVector Allocation, TimeSpan? LastMovedAt, MigrationInFlight? Migration)
{
    /// <summary>Where planners see the VM: its destination while it migrates (its reservation is there), else its host.</summary>
    public HostId PlannedHost => Migration is { } m ? m.To : Host;

    /// <summary>What planners see it hold: its arrival allocation while it migrates.</summary>
    public ResourceVector PlannedAllocation => Migration is { } m ? m.Allocation : Allocation;
}
