namespace Roost.Controller.Api;

/// <summary>
/// The fleet at the last step: hosts by condition, VMs by state (running as the store records it; migrating as last
/// observed), total power (W), capacity and usage (cores, MiB, Mbit/s).
/// </summary>
public sealed record OverviewTotals(
    int Hosts,
    int ActiveHosts,
    int HotHosts,
    int MaintenanceHosts,
    int UnreachableHosts,
    int RunningVms,
    int PendingVms,
    int StoppedVms,
    int FailedVms,
    int MigratingVms,
    double PowerWatts,
    ResourcesDto Capacity,
    ResourcesDto Usage);
