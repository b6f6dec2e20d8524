namespace Roost.Controller.Drivers;

/// <summary>
/// One monitoring interval: <see cref="Clock"/> is the driver's time at its end (simulated time for a simulation),
/// used for Sandpiper's cool-downs; hosts and VMs in id order. <see cref="Fingerprints"/>: the guests' page fingerprints
/// the driver holds (none for the simulation).
/// </summary>
public sealed record ClusterObservation(TimeSpan Clock, IReadOnlyList<HostObservation> Hosts, IReadOnlyList<VmObservation> Vms)
{
    public GuestFingerprints Fingerprints { get; init; } = GuestFingerprints.None;
}
