namespace Roost.Controller.Api;

/// <summary>Everything the dashboard shows, in one request.</summary>
public sealed record OverviewResponse(
    DateTimeOffset At,
    double ClockSeconds,
    string Driver,
    SettingsDto Settings,
    IReadOnlyList<HostResponse> Hosts,
    IReadOnlyList<VmResponse> Vms,
    IReadOnlyList<TickResponse> History,
    IReadOnlyList<PlanResponse> PendingPlans,
    IReadOnlyList<ActionResponse> Migrations,
    IReadOnlyList<EventResponse> Events);
