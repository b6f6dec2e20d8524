using Roost.Controller.Store;

namespace Roost.Controller.Control;

/// <summary>
/// What the control loop saw and did at its last step, as an immutable snapshot the API reads without locks
/// (published through <see cref="LiveState"/>). Counters run from the controller's start.
/// </summary>
public sealed record LiveView(
    DateTimeOffset At,
    TimeSpan Clock,
    string Driver,
    ControllerSettings Settings,
    IReadOnlyList<HostLive> Hosts,
    IReadOnlyList<VmLive> Vms,
    IReadOnlyList<TickSummary> History,
    LoopCounters Counters)
{
    public static LiveView Empty { get; } = new(DateTimeOffset.UnixEpoch, TimeSpan.Zero, "starting", ControllerSettings.Default, [], [], [], new LoopCounters(0, 0, 0, 0, 0));
}
