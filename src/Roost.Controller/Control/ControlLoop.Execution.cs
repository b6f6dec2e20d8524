using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>Reconciling actions in flight, VM requests, and executing plans.</summary>
public sealed partial class ControlLoop
{
    /// <summary>
    /// Settles every in-flight action by what the driver now reports: a migration is done when its VM is on the
    /// destination and no longer moving, aborted when it is back (or still) on the source and not moving. After a
    /// restart this tells what really happened; nothing is executed twice.
    /// </summary>
    private async Task ReconcileAsync(Dictionary<VmId, VmObservation> seen, CancellationToken cancellationToken)
    {
        foreach (var plan in await ActivePlansAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var action in plan.Actions.Where(a => a.Status == ActionStatus.InFlight))
            {
                var vm = seen.GetValueOrDefault(action.Vm);
                var (status, outcome) = (action.Kind, vm) switch
                {
                    (_, null) => (ActionStatus.Failed, $"{action.Vm} is no longer running"),
                    (ActionKind.Migrate, { MigratingTo: not null }) => (ActionStatus.InFlight, ""),
                    (ActionKind.Migrate, _) when vm.Host == action.To => (ActionStatus.Succeeded, $"{action.Vm} arrived on {action.To}{(vm.MigrationReport is { } report ? $": {report.Describe()}" : "")}"),
                    (ActionKind.Migrate, _) => (ActionStatus.Failed, $"migration aborted: {vm.MigrationProblem ?? $"{action.Vm} is on {vm.Host}"}"),
                    (ActionKind.Resize, _) when vm.Allocation == action.Allocation => (ActionStatus.Succeeded, $"{action.Vm} holds {action.Allocation}"),
                    _ => (ActionStatus.Failed, $"interrupted before the driver resized {action.Vm}"),
                };
                if (status == ActionStatus.InFlight)
                {
                    continue;
                }

                if (status == ActionStatus.Succeeded && vm is not null)
                {
                    var stored = await _store.FindVmAsync(action.Vm, cancellationToken).ConfigureAwait(false);
                    await _store.SetVmPlacementAsync(action.Vm, vm.Host, vm.Allocation, stored?.LastMovedAt, cancellationToken).ConfigureAwait(false);
                }

                await FinishAsync(action, status, outcome, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Places VMs the API created and stops the ones it was asked to stop.</summary>
    private async Task RunVmRequestsAsync(IReadOnlyList<StoredHost> hosts, Dictionary<VmId, VmObservation> seen, CancellationToken cancellationToken)
    {
        var vms = await _store.GetVmsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var vm in vms.Where(v => v.State == VmState.Stopping))
        {
            var result = await _driver.StopVmAsync(vm.Id, cancellationToken).ConfigureAwait(false);
            if (result is DriverResult.Refused refused && seen.ContainsKey(vm.Id))
            {
                await EventAsync("vm", $"stopping {vm.Id} failed: {refused.Reason}; will retry", cancellationToken).ConfigureAwait(false);
                continue;
            }

            _monitor.ForgetVm(vm.Id);
            seen.Remove(vm.Id);
            await _store.SetVmPlacementAsync(vm.Id, null, vm.Allocation, vm.LastMovedAt, cancellationToken).ConfigureAwait(false);
            await _store.TransitionVmAsync(vm.Id, VmState.Stopping, VmState.Stopped, cancellationToken).ConfigureAwait(false);
            await EventAsync("vm", $"{vm.Id} ({vm.Name}) stopped", cancellationToken).ConfigureAwait(false);
        }

        var pending = vms.Where(v => v.State == VmState.Pending).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        var committed = Committed(hosts, vms.Where(v => v.State is VmState.Running or VmState.Stopping));
        foreach (var vm in pending)
        {
            var host = ChoosePlacement(vm, hosts, committed);
            if (host is not { } target)
            {
                await _store.TransitionVmAsync(vm.Id, VmState.Pending, VmState.Failed, cancellationToken).ConfigureAwait(false);
                await EventAsync("vm", $"{vm.Id} ({vm.Name}) could not be placed: no host holds {vm.Allocation}", cancellationToken).ConfigureAwait(false);
                continue;
            }

            var result = await _driver.StartVmAsync(vm.Id, target, vm.Allocation, cancellationToken).ConfigureAwait(false);
            if (result is DriverResult.Refused refused)
            {
                await _store.TransitionVmAsync(vm.Id, VmState.Pending, VmState.Failed, cancellationToken).ConfigureAwait(false);
                await EventAsync("vm", $"{vm.Id} ({vm.Name}) failed to start on {target}: {refused.Reason}", cancellationToken).ConfigureAwait(false);
                continue;
            }

            committed[target] += vm.Allocation;
            await _store.SetVmPlacementAsync(vm.Id, target, vm.Allocation, null, cancellationToken).ConfigureAwait(false);
            await _store.TransitionVmAsync(vm.Id, VmState.Pending, VmState.Running, cancellationToken).ConfigureAwait(false);
            await EventAsync("vm", $"{vm.Id} ({vm.Name}) started on {target}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Allocations committed per host (memory is what limits placement; CPU may be oversubscribed 1.5x).</summary>
    private static Dictionary<HostId, ResourceVector> Committed(IReadOnlyList<StoredHost> hosts, IEnumerable<StoredVm> vms)
    {
        var committed = hosts.ToDictionary(h => h.Id, _ => ResourceVector.Zero);
        foreach (var vm in vms)
        {
            if (vm.Host is { } h && committed.ContainsKey(h))
            {
                committed[h] += vm.Allocation;
            }
        }

        return committed;
    }

    /// <summary>The requested host if it can take the VM, else the host with the most free memory that can (ties by id).</summary>
    private static HostId? ChoosePlacement(StoredVm vm, IReadOnlyList<StoredHost> hosts, Dictionary<HostId, ResourceVector> committed)
    {
        bool Fits(StoredHost h) =>
            !h.Maintenance && (committed[h.Id] + vm.Allocation).FitsWithin(h.PlacementCapacity);

        if (vm.RequestedHost is { } requested)
        {
            return hosts.FirstOrDefault(h => h.Id == requested) is { } host && Fits(host) ? requested : null;
        }

        return hosts.Where(Fits)
            .OrderByDescending(h => h.Capacity.MemoryMiB - committed[h.Id].MemoryMiB)
            .ThenBy(h => h.Id.Value)
            .Select(h => (HostId?)h.Id)
            .FirstOrDefault();
    }

    /// <summary>
    /// Starts the planned actions of approved and executing plans, oldest plan first, while fewer than the limit of
    /// migrations are in flight. Each action is marked in flight in the store before the driver is asked.
    /// </summary>
    private async Task ExecutePlansAsync(ControllerSettings settings, IReadOnlyList<StoredHost> hosts, Dictionary<VmId, VmObservation> seen, CancellationToken cancellationToken)
    {
        var plans = await ActivePlansAsync(cancellationToken).ConfigureAwait(false);
        var inFlight = plans.Sum(p => p.Actions.Count(a => a is { Status: ActionStatus.InFlight, Kind: ActionKind.Migrate }));
        var byId = hosts.ToDictionary(h => h.Id);
        foreach (var plan in plans)
        {
            if (plan.Status == PlanStatus.Approved)
            {
                if (!await _store.TransitionPlanAsync(plan.Id, PlanStatus.Approved, PlanStatus.Executing, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                await EventAsync("plan", $"plan {plan.Id} ({plan.Source}) executing: {plan.Summary}", cancellationToken).ConfigureAwait(false);
            }

            foreach (var action in plan.Actions.Where(a => a.Status == ActionStatus.Planned))
            {
                var vm = seen.GetValueOrDefault(action.Vm);
                var problem = vm switch
                {
                    null => $"{action.Vm} is not running",
                    { MigratingTo: not null } => $"{action.Vm} is already migrating",
                    _ when vm.Host != action.From => $"{action.Vm} is on {vm.Host}, not {action.From}",
                    _ when action.Kind == ActionKind.Migrate && (!byId.TryGetValue(action.To, out var to) || to.Maintenance) =>
                        $"{action.To} is in maintenance or gone",
                    _ => null,
                };
                if (problem is not null)
                {
                    await FinishAsync(action, ActionStatus.Cancelled, problem, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (action.Kind == ActionKind.Migrate && inFlight >= settings.MaxConcurrentMigrations)
                {
                    break;
                }

                await StartAsync(action, cancellationToken).ConfigureAwait(false);
                if (action.Kind == ActionKind.Migrate)
                {
                    inFlight++;
                }
            }
        }

        // A plan is over when none of its actions is planned or in flight.
        foreach (var plan in await ActivePlansAsync(cancellationToken).ConfigureAwait(false))
        {
            if (plan.Status == PlanStatus.Executing && plan.Actions.All(a => a.Status is not (ActionStatus.Planned or ActionStatus.InFlight)))
            {
                var failed = plan.Actions.Count(a => a.Status == ActionStatus.Failed);
                var status = failed > 0 ? PlanStatus.Failed : PlanStatus.Completed;
                if (await _store.TransitionPlanAsync(plan.Id, PlanStatus.Executing, status, cancellationToken).ConfigureAwait(false))
                {
                    var done = plan.Actions.Count(a => a.Status == ActionStatus.Succeeded);
                    await EventAsync("plan", $"plan {plan.Id} {status.ToString().ToLowerInvariant()}: {done} of {plan.Actions.Count} action(s) succeeded", cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task StartAsync(StoredAction action, CancellationToken cancellationToken)
    {
        var started = action with { Status = ActionStatus.InFlight, StartedAt = _time.GetUtcNow() };
        await _store.UpdateActionAsync(started, cancellationToken).ConfigureAwait(false);
        if (action.Kind == ActionKind.Migrate)
        {
            var clock = _clock;

            // The event is written before the agents are asked, with the action already in flight in the store: a
            // controller killed while the agents answer still leaves the operator's log saying the migration was sent.
            await EventAsync("migration", $"{action.Vm} migrating {action.From} -> {action.To} (action {action.Id})", cancellationToken).ConfigureAwait(false);
            var result = await _driver.StartMigrationAsync(action.Vm, action.To, action.Allocation, cancellationToken).ConfigureAwait(false);
            if (result is DriverResult.Refused refused)
            {
                await FinishAsync(started, ActionStatus.Failed, refused.Reason, cancellationToken).ConfigureAwait(false);
                return;
            }

            var vm = await _store.FindVmAsync(action.Vm, cancellationToken).ConfigureAwait(false);
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

            var vm = await _store.FindVmAsync(action.Vm, cancellationToken).ConfigureAwait(false);
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
            await EventAsync("action", $"{action.Kind.ToString().ToLowerInvariant()} {action.Vm} {action.From} -> {action.To} {status.ToString().ToLowerInvariant()}: {outcome}", cancellationToken).ConfigureAwait(false);
        }
    }
}
