using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Controller.Control;

/// <summary>
/// Everything one control step decides from, loaded once: the store's inventory and its active and pending plans, the
/// driver's observation, the monitoring history (read only by the decision), whether the driver can resize, and which
/// hosts were hot and unrelieved at the last step (so each is reported once).
/// </summary>
internal sealed record ControlSnapshot(
    IReadOnlyList<StoredHost> Hosts,
    IReadOnlyList<StoredVm> Vms,
    IReadOnlyList<StoredPlan> Plans,
    ClusterObservation Observation,
    ClusterMonitor Monitor,
    bool CanResize,
    IReadOnlySet<HostId> WasHot,
    IReadOnlySet<HostId> WasUnresolved);
