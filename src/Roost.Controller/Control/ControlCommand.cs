using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>
/// What <see cref="ControlPolicy.Decide"/> asks the control loop to do, in order. Closed set: match on it. The loop
/// writes the store before it asks the driver, so a restart finds every intent in the store.
/// </summary>
internal abstract record ControlCommand
{
    private ControlCommand()
    {
    }

    /// <summary>Write an event about <paramref name="Entity"/> (<see cref="NewEvent"/>'s names), and log it.</summary>
    public sealed record Event(string Kind, string Message, string Entity, EventSeverity Severity) : ControlCommand;

    /// <summary>
    /// An action in flight ended as the driver's observation shows; on success the VM's placement is recorded first
    /// (<paramref name="Placement"/>: where it is, what it holds, its last move).
    /// </summary>
    public sealed record SettleAction(StoredAction Action, ActionStatus Status, string Outcome, (HostId Host, ResourceVector Allocation, TimeSpan? LastMovedAt)? Placement) : ControlCommand;

    /// <summary>Stop a VM the API asked to stop; <paramref name="Seen"/>: the driver still reports it running.</summary>
    public sealed record StopVm(StoredVm Vm, bool Seen) : ControlCommand;

    /// <summary>Start a VM the API created on the host placement chose; <paramref name="Placement"/> says why there (or is empty).</summary>
    public sealed record StartVm(StoredVm Vm, HostId Host, string Placement = "") : ControlCommand;

    /// <summary>A created VM that no host can take fails.</summary>
    public sealed record FailVm(StoredVm Vm, string Reason) : ControlCommand;

    /// <summary>An approved plan starts executing (compare-and-set: an operator may have decided otherwise meanwhile).</summary>
    public sealed record BeginPlan(StoredPlan Plan) : ControlCommand;

    /// <summary>A planned action that can no longer be carried out is cancelled.</summary>
    public sealed record CancelAction(StoredAction Action, string Reason) : ControlCommand;

    /// <summary>Start a planned action: in flight in the store, then the driver. <paramref name="Vm"/> is the stored VM.</summary>
    public sealed record StartAction(StoredAction Action, StoredVm? Vm) : ControlCommand;

    /// <summary>A plan none of whose actions is planned or in flight ends.</summary>
    public sealed record EndPlan(StoredPlan Plan, PlanStatus Status, int Succeeded) : ControlCommand;

    /// <summary>A pending plan nobody decided on in time is superseded.</summary>
    public sealed record SupersedePlan(StoredPlan Plan, TimeSpan Lifetime) : ControlCommand;

    /// <summary>Store a new plan; <paramref name="Label"/> names who made it for the event.</summary>
    public sealed record AddPlan(NewPlan Plan, string Label) : ControlCommand;
}
