namespace Roost.Controller.Drivers;

/// <summary>
/// One monitoring interval: <see cref="Clock"/> is the driver's time at its end (simulated time for a simulation),
/// used for Sandpiper's cool-downs; hosts and VMs in id order.
/// </summary>
public sealed record ClusterObservation(TimeSpan Clock, IReadOnlyList<HostObservation> Hosts, IReadOnlyList<VmObservation> Vms);
