using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Drivers;

/// <summary>
/// The seam between the control loop and the machines: a simulated data center (<see cref="SimulatedHostDriver"/>)
/// or real hosts through <c>roost agent</c> processes. The loop is the only caller and never calls concurrently.
/// Commands are asynchronous: a migration the driver accepts is reported done by later observations (the VM seen on
/// its destination and no longer migrating), which is also how an action in flight across a controller restart is
/// reconciled.
/// </summary>
public interface IHostDriver
{
    /// <summary>Short name for logs and the dashboard: <c>simulated (40 hosts, ×60)</c>, <c>agents (3)</c>.</summary>
    string Description { get; }

    /// <summary>Whether <see cref="ResizeAsync"/> can work; when false the loop leaves Sandpiper's resizes out of its plans.</summary>
    bool CanResize { get; }

    /// <summary>
    /// Whether observations read the guests' page fingerprints (guest RAM crosses the agent → controller API): the loop
    /// sets it each step, true only while placement is sharing. A driver without fingerprints ignores it.
    /// </summary>
    bool CollectFingerprints { get; set; }

    /// <summary>What exists on first start, to seed an empty store.</summary>
    Task<DriverInventory> DiscoverAsync(CancellationToken cancellationToken);

    /// <summary>
    /// On restart: the store's inventory. The driver reconciles it with the machines (a simulation rebuilds itself
    /// from it; an agent driver checks which VMs really run where) and resumes its clock at <paramref name="clock"/>.
    /// </summary>
    Task AdoptAsync(IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, TimeSpan clock, CancellationToken cancellationToken);

    /// <summary>One monitoring interval's statistics of every host and running VM.</summary>
    Task<ClusterObservation> ObserveAsync(CancellationToken cancellationToken);

    /// <summary>Starts a VM on <paramref name="host"/>, booting guest image <paramref name="image"/> (null: the host's default).</summary>
    Task<DriverResult> StartVmAsync(VmId vm, HostId host, ResourceVector allocation, string? image, CancellationToken cancellationToken);

    Task<DriverResult> StopVmAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>Starts a live migration; on arrival the VM holds <paramref name="allocation"/>.</summary>
    Task<DriverResult> StartMigrationAsync(VmId vm, HostId destination, ResourceVector allocation, CancellationToken cancellationToken);

    Task<DriverResult> ResizeAsync(VmId vm, ResourceVector allocation, CancellationToken cancellationToken);
}
