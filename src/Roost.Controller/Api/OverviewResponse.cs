namespace Roost.Controller.Api;

/// <summary>
/// The dashboard's one poll, sized for a 1,000-host fleet: totals, one heat-map row per host as parallel columns
/// (whole percents; names and capacities are in <see cref="HostInventoryResponse"/>, fetched again only when
/// <see cref="InventoryVersion"/> changes), pending plans and the migration log with names, recent events, and the
/// fleet history newer than the <c>since</c> the client passed (the <see cref="Version"/> of its previous answer).
/// VMs are not listed: a host's VMs are one <c>GET /api/vms?host=</c> away.
/// </summary>
public sealed record OverviewResponse(
    long Version,
    DateTimeOffset At,
    double ClockSeconds,
    string Driver,
    DriverKind DriverKind,
    SettingsDto Settings,
    string InventoryVersion,
    OverviewTotals Totals,
    HostHeatColumns Heat,
    int PendingPlanCount,
    IReadOnlyList<PendingPlanSummary> PendingPlans,
    IReadOnlyList<OverviewAction> Migrations,
    IReadOnlyList<EventResponse> Events,
    IReadOnlyList<FleetPointResponse> History);
