namespace Roost.Controller.Store;

/// <summary>
/// An action's life. <see cref="InFlight"/> is written before the driver is asked (write-ahead), so a controller that
/// dies mid-action finds it on restart and reconciles it with what the driver reports.
/// </summary>
public enum ActionStatus
{
    Planned,
    InFlight,
    Succeeded,
    Failed,
    Cancelled,
}
