using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>Executing what <see cref="ControlPolicy.Decide"/> decided: the store first, the driver second.</summary>
public sealed partial class ControlLoop
{
    /// <summary>
    /// Carries out <paramref name="commands"/> in order. A plan an operator decided on since the snapshot (its
    /// compare-and-set fails) is left alone: none of its actions is started or cancelled in this step.
    /// </summary>
    private async Task ExecuteAsync(IReadOnlyList<ControlCommand> commands, TimeSpan clock, CancellationToken cancellationToken)
    {
        var untouchable = new HashSet<long>();
        foreach (var command in commands)
        {
            switch (command)
            {
                case ControlCommand.Event e:
                    await EventAsync(new NewEvent(e.Kind, e.Entity, e.Severity, e.Message), cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.SettleAction settle:
                    if (settle.Placement is { } placement)
                    {
                        await _store.SetVmPlacementAsync(settle.Action.Vm, placement.Host, placement.Allocation, placement.LastMovedAt, cancellationToken).ConfigureAwait(false);
                    }

                    await FinishAsync(settle.Action, settle.Status, settle.Outcome, cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.StopVm stop:
                    await StopVmAsync(stop.Vm, stop.Seen, cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.StartVm start:
                    await StartVmAsync(start.Vm, start.Host, start.Placement, cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.FailVm fail:
                    await _store.TransitionVmAsync(fail.Vm.Id, VmState.Pending, VmState.Failed, cancellationToken).ConfigureAwait(false);
                    await EventAsync(NewEvent.Error("vm", NewEvent.Vm(fail.Vm.Name), fail.Reason), cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.BeginPlan begin:
                    if (await _store.TransitionPlanAsync(begin.Plan.Id, PlanStatus.Approved, PlanStatus.Executing, cancellationToken).ConfigureAwait(false))
                    {
                        await EventAsync(NewEvent.Info("plan", NewEvent.Plan(begin.Plan.Id), $"plan {begin.Plan.Id} ({begin.Plan.Source}) executing: {begin.Plan.Summary}"), cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        untouchable.Add(begin.Plan.Id);
                    }

                    break;
                case ControlCommand.CancelAction cancel when !untouchable.Contains(cancel.Action.PlanId):
                    await FinishAsync(cancel.Action, ActionStatus.Cancelled, cancel.Reason, cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.StartAction start when !untouchable.Contains(start.Action.PlanId):
                    await StartAsync(start.Action, start.Vm, clock, cancellationToken).ConfigureAwait(false);
                    break;
                case ControlCommand.CancelAction or ControlCommand.StartAction:
                    break;
                case ControlCommand.EndPlan end:
                    if (await _store.TransitionPlanAsync(end.Plan.Id, PlanStatus.Executing, end.Status, cancellationToken).ConfigureAwait(false))
                    {
                        await EventAsync(new NewEvent("plan", NewEvent.Plan(end.Plan.Id), end.Status == PlanStatus.Failed ? EventSeverity.Warning : EventSeverity.Info, $"plan {end.Plan.Id} {end.Status.ToString().ToLowerInvariant()}: {end.Succeeded} of {end.Plan.Actions.Count} action(s) succeeded"), cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case ControlCommand.SupersedePlan supersede:
                    if (await _store.TransitionPlanAsync(supersede.Plan.Id, PlanStatus.Pending, PlanStatus.Superseded, cancellationToken).ConfigureAwait(false))
                    {
                        await EventAsync(NewEvent.Info("plan", NewEvent.Plan(supersede.Plan.Id), $"plan {supersede.Plan.Id} superseded: no decision within {supersede.Lifetime.TotalMinutes:0} minutes"), cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case ControlCommand.AddPlan add:
                    var plan = await _store.AddPlanAsync(add.Plan, cancellationToken).ConfigureAwait(false);
                    _counters = _counters with { PlansCreated = _counters.PlansCreated + 1 };
                    await EventAsync(NewEvent.Info("plan", NewEvent.Plan(plan.Id), $"plan {plan.Id} ({add.Label}): {plan.Summary}"), cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new InvalidOperationException($"unknown control command {command.GetType().Name}");
            }
        }
    }

    private async Task StopVmAsync(StoredVm vm, bool seen, CancellationToken cancellationToken)
    {
        var result = await _driver.StopVmAsync(vm.Id, cancellationToken).ConfigureAwait(false);
        if (result is DriverResult.Refused refused && seen)
        {
            await EventAsync(NewEvent.Warning("vm", NewEvent.Vm(vm.Name), $"stopping {vm.Id} failed: {refused.Reason}; will retry"), cancellationToken).ConfigureAwait(false);
            return;
        }

        _monitor.ForgetVm(vm.Id);
        await _store.SetVmPlacementAsync(vm.Id, null, vm.Allocation, vm.LastMovedAt, cancellationToken).ConfigureAwait(false);
        await _store.TransitionVmAsync(vm.Id, VmState.Stopping, VmState.Stopped, cancellationToken).ConfigureAwait(false);
        await EventAsync(NewEvent.Info("vm", NewEvent.Vm(vm.Name), $"{vm.Id} ({vm.Name}) stopped"), cancellationToken).ConfigureAwait(false);
    }

    private async Task StartVmAsync(StoredVm vm, HostId target, string placement, CancellationToken cancellationToken)
    {
        var result = await _driver.StartVmAsync(vm.Id, target, vm.Allocation, vm.Image, cancellationToken).ConfigureAwait(false);
        if (result is DriverResult.Refused refused)
        {
            await _store.TransitionVmAsync(vm.Id, VmState.Pending, VmState.Failed, cancellationToken).ConfigureAwait(false);
            await EventAsync(NewEvent.Error("vm", NewEvent.Vm(vm.Name), $"{vm.Id} ({vm.Name}) failed to start on {target}: {refused.Reason}"), cancellationToken).ConfigureAwait(false);
            return;
        }

        await _store.SetVmPlacementAsync(vm.Id, target, vm.Allocation, null, cancellationToken).ConfigureAwait(false);
        await _store.TransitionVmAsync(vm.Id, VmState.Pending, VmState.Running, cancellationToken).ConfigureAwait(false);
        await EventAsync(NewEvent.Info("vm", NewEvent.Vm(vm.Name), $"{vm.Id} ({vm.Name}) started on {target}{(placement.Length > 0 ? $" ({placement})" : "")}"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks the action in flight in the store, then asks the driver; a refusal fails it.</summary>
    private async Task StartAsync(StoredAction action, StoredVm? vm, TimeSpan clock, CancellationToken cancellationToken)
    {
        var started = action with { Status = ActionStatus.InFlight, StartedAt = _time.GetUtcNow() };
        await _store.UpdateActionAsync(started, cancellationToken).ConfigureAwait(false);
        if (action.Kind == ActionKind.Migrate)
        {
            // The event is written before the agents are asked, with the action already in flight in the store: a
            // controller killed while the agents answer still leaves the operator's log saying the migration was sent.
            await EventAsync(NewEvent.Info("migration", VmEntity(action.Vm), $"{action.Vm} migrating {action.From} -> {action.To} (action {action.Id})"), cancellationToken).ConfigureAwait(false);
            var result = await _driver.StartMigrationAsync(action.Vm, action.To, action.Allocation, cancellationToken).ConfigureAwait(false);
            if (result is DriverResult.Refused refused)
            {
                await FinishAsync(started, ActionStatus.Failed, refused.Reason, cancellationToken).ConfigureAwait(false);
                return;
            }

            await _store.SetVmPlacementAsync(action.Vm, action.From, vm?.Allocation ?? action.Allocation, clock, cancellationToken).ConfigureAwait(false);
            _migrationsThisStep++;
            _counters = _counters with { MigrationsStarted = _counters.MigrationsStarted + 1 };
        }
        else
        {
            var result = await _driver.ResizeAsync(action.Vm, action.Allocation, cancellationToken).ConfigureAwait(false);
            if (result is DriverResult.Refused refused)
            {
                await FinishAsync(started, ActionStatus.Failed, refused.Reason, cancellationToken).ConfigureAwait(false);
                return;
            }

            await _store.SetVmPlacementAsync(action.Vm, action.From, action.Allocation, vm?.LastMovedAt, cancellationToken).ConfigureAwait(false);
            await FinishAsync(started, ActionStatus.Succeeded, $"{action.Vm} now holds {action.Allocation}", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task FinishAsync(StoredAction action, ActionStatus status, string outcome, CancellationToken cancellationToken)
    {
        await _store.UpdateActionAsync(action with { Status = status, FinishedAt = _time.GetUtcNow(), Outcome = outcome }, cancellationToken).ConfigureAwait(false);
        _counters = status == ActionStatus.Succeeded
            ? _counters with { ActionsSucceeded = _counters.ActionsSucceeded + 1 }
            : _counters with { ActionsFailed = _counters.ActionsFailed + 1 };
        if (action.Kind == ActionKind.Migrate || status != ActionStatus.Succeeded)
        {
            await EventAsync(
                new NewEvent("action", VmEntity(action.Vm), status == ActionStatus.Failed ? EventSeverity.Warning : EventSeverity.Info, $"{action.Kind.ToString().ToLowerInvariant()} {action.Vm} {action.From} -> {action.To} {status.ToString().ToLowerInvariant()}: {outcome}"),
                cancellationToken).ConfigureAwait(false);
        }
    }
}
