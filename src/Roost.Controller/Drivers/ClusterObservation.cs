namespace Roost.Controller.Drivers;

/// <summary>
/// One monitoring interval: <see cref="Clock"/> is the driver's time at its end (simulated time for a simulation),
/// used for Sandpiper's cool-downs; hosts and VMs in id order. <see cref="Fingerprints"/>: the guests' page fingerprints
/// the driver holds (none for the simulation), and <see cref="FingerprintProblem"/> why the last read of one failed.
/// </summary>
public sealed record ClusterObservation(TimeSpan Clock, IReadOnlyList<HostObservation> Hosts, IReadOnlyList<VmObservation> Vms)
{
    public GuestFingerprints Fingerprints { get; init; } = GuestFingerprints.None;

    /// <summary>The last fingerprint read's failure (one line naming the agent and the VM), or null.</summary>
    public string? FingerprintProblem { get; init; }
}
