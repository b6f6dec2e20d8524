namespace Roost.Controller.Store;

/// <summary>
/// A plan's life: <see cref="Pending"/> waits for an operator (manual mode); <see cref="Approved"/> is queued for the
/// control loop; <see cref="Executing"/> has actions under way; the rest are final.
/// </summary>
public enum PlanStatus
{
    Pending,
    Approved,
    Executing,
    Completed,
    Failed,
    Rejected,
    Superseded,
}
