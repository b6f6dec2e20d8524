using System.Globalization;
using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Balancing;
using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>Deciding: Sandpiper against hotspots, evacuation of hosts in maintenance.</summary>
public sealed partial class ControlLoop
{
    private const string SandpiperSource = "sandpiper";
    private const string MaintenanceSource = "maintenance";

    /// <summary>A pending plan nobody decided on for this long is superseded, so the next plan reflects the present.</summary>
    private static readonly TimeSpan _pendingLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// One evacuation plan per step for the VMs on maintenance hosts that no active plan already moves: each goes to
    /// the host with the lowest Sandpiper volume that holds its current use (CPU, network) and its memory under the
    /// hotspot threshold, counting VMs already sent there.
    /// </summary>
    private async Task EvacuateAsync(IReadOnlyList<StoredHost> hosts, Dictionary<VmId, VmObservation> seen, CancellationToken cancellationToken)
    {
        var draining = hosts.Where(h => h.Maintenance).Select(h => h.Id).ToHashSet();
        if (draining.Count == 0)
        {
            return;
        }

        var busy = await BusyVmsAsync(cancellationToken).ConfigureAwait(false);
        var leaving = seen.Values.Where(v => draining.Contains(v.Host) && v.MigratingTo is null && !busy.Contains(v.Vm)).OrderBy(v => v.Vm.Value).ToList();
        if (leaving.Count == 0)
        {
            return;
        }

        var load = hosts.ToDictionary(h => h.Id, _ => ResourceVector.Zero);
        foreach (var vm in seen.Values)
        {
            var at = vm.MigratingTo ?? vm.Host;
            if (load.ContainsKey(at))
            {
                load[at] += Footprint(vm);
            }
        }

        var threshold = (await _store.GetSettingsAsync(cancellationToken).ConfigureAwait(false) ?? ControllerSettings.Default).Threshold;
        var actions = new List<NewAction>();
        foreach (var vm in leaving)
        {
            var footprint = Footprint(vm);
            var target = hosts
                .Where(h => !h.Maintenance && (load[h.Id] + footprint).FitsWithin(h.Capacity * threshold))
                .OrderBy(h => Volume.Of(load[h.Id], h.Capacity))
                .ThenBy(h => h.Id.Value)
                .Select(h => (HostId?)h.Id)
                .FirstOrDefault();
            if (target is { } to)
            {
                load[to] += footprint;
                actions.Add(new NewAction(ActionKind.Migrate, vm.Vm, vm.Host, to, vm.Allocation, $"{vm.Host} is in maintenance"));
            }
        }

        if (actions.Count == 0)
        {
            return;
        }

        var plan = await _store.AddPlanAsync(
            new NewPlan(_time.GetUtcNow(), MaintenanceSource, PlanStatus.Approved, $"evacuate {string.Join(", ", draining.OrderBy(h => h.Value).Select(h => h.ToString()))}: {actions.Count} migration(s)", actions),
            cancellationToken).ConfigureAwait(false);
        _counters = _counters with { PlansCreated = _counters.PlansCreated + 1 };
        await EventAsync("plan", $"plan {plan.Id} (maintenance): {plan.Summary}", cancellationToken).ConfigureAwait(false);
    }

    private static ResourceVector Footprint(VmObservation vm) =>
        vm.Sample.Usage with { MemoryMiB = Math.Max(vm.Sample.Usage.MemoryMiB, vm.Allocation.MemoryMiB) };

    private async Task<HashSet<VmId>> BusyVmsAsync(CancellationToken cancellationToken)
    {
        var busy = new HashSet<VmId>();
        foreach (var plan in await ActivePlansAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var action in plan.Actions.Where(a => a.Status is ActionStatus.Planned or ActionStatus.InFlight))
            {
                busy.Add(action.Vm);
            }
        }

        return busy;
    }

    /// <summary>
    /// Runs Sandpiper when nothing else is being executed or awaits an operator: hot hosts by the k-of-n rule, needs by
    /// black-box profiling, then migrate/swap/resize. Maintenance hosts count as hot so nothing is sent to them.
    /// Returns the hot hosts for the dashboard.
    /// </summary>
    private async Task<IReadOnlySet<HostId>> PlanAsync(ControllerSettings settings, IReadOnlyList<StoredHost> hosts, ClusterObservation observation, CancellationToken cancellationToken)
    {
        var engine = Engine(settings.Threshold);
        var stored = (await _store.GetVmsAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(v => v.Id);
        var snapshots = hosts.Select(h => new HostSnapshot(h.Id, h.Capacity)).ToArray();
        var vms = observation.Vms
            .Select(v => new VmSnapshot(v.Vm, v.MigratingTo ?? v.Host, v.Allocation, stored.GetValueOrDefault(v.Vm)?.LastMovedAt))
            .ToArray();
        var input = engine.Assess(observation.Clock, snapshots, vms, _monitor);
        var hot = input.HotHosts.ToHashSet();
        foreach (var host in hot.Where(h => !_wasHot.Contains(h)).OrderBy(h => h.Value))
        {
            await EventAsync("hotspot", $"{host} is hot", cancellationToken).ConfigureAwait(false);
        }

        _wasHot.Clear();
        _wasHot.UnionWith(hot);

        if ((await ActivePlansAsync(cancellationToken).ConfigureAwait(false)).Count > 0 || !await NoPendingPlanAsync(cancellationToken).ConfigureAwait(false))
        {
            return hot;
        }

        var blocked = new HashSet<HostId>(hot);
        blocked.UnionWith(hosts.Where(h => h.Maintenance).Select(h => h.Id));
        var plan = engine.Plan(input with { HotHosts = blocked });
        foreach (var host in plan.Unresolved.Where(h => !_wasUnresolved.Contains(h)))
        {
            await EventAsync("hotspot", $"{host} could not be relieved: no migration or swap fits", cancellationToken).ConfigureAwait(false);
        }

        _wasUnresolved.Clear();
        _wasUnresolved.UnionWith(plan.Unresolved);
        if (plan.Actions.Count == 0)
        {
            return hot;
        }

        var actions = new List<NewAction>();
        foreach (var action in plan.Actions)
        {
            switch (action)
            {
                case SandpiperAction.Migrate m:
                    actions.Add(new NewAction(ActionKind.Migrate, m.Vm, m.From, m.To, m.Allocation, m.Reason));
                    break;
                case SandpiperAction.Swap s:
                    actions.AddRange(s.Migrations.Select(m => new NewAction(ActionKind.Migrate, m.Vm, m.From, m.To, m.Allocation, "swap: " + s.Reason)));
                    break;
                case SandpiperAction.Resize when !_driver.CanResize:
                    break;
                case SandpiperAction.Resize r:
                    actions.Add(new NewAction(ActionKind.Resize, r.Vm, r.Host, r.Host, r.To, r.Reason));
                    break;
                default:
                    throw new InvalidOperationException($"unknown Sandpiper action {action.GetType().Name}");
            }
        }

        if (actions.Count == 0)
        {
            return hot;
        }

        var migrations = actions.Count(a => a.Kind == ActionKind.Migrate);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{migrations} migration(s), {actions.Count - migrations} resize(s); hot: {string.Join(", ", hot.OrderBy(h => h.Value).Select(h => h.ToString()))}");
        var status = settings.Mode == ControlMode.Automatic ? PlanStatus.Approved : PlanStatus.Pending;
        var stored2 = await _store.AddPlanAsync(new NewPlan(_time.GetUtcNow(), SandpiperSource, status, summary, actions), cancellationToken).ConfigureAwait(false);
        _counters = _counters with { PlansCreated = _counters.PlansCreated + 1 };
        await EventAsync("plan", $"plan {stored2.Id} ({SandpiperSource}, {status.ToString().ToLowerInvariant()}): {summary}", cancellationToken).ConfigureAwait(false);
        return hot;
    }

    /// <summary>True when no plan awaits an operator; a pending plan left too long is superseded first.</summary>
    private async Task<bool> NoPendingPlanAsync(CancellationToken cancellationToken)
    {
        var pending = await _store.GetPlansAsync(PlanStatus.Pending, 100, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var left = 0;
        foreach (var plan in pending)
        {
            if (now - plan.CreatedAt > _pendingLifetime
                && await _store.TransitionPlanAsync(plan.Id, PlanStatus.Pending, PlanStatus.Superseded, cancellationToken).ConfigureAwait(false))
            {
                await EventAsync("plan", $"plan {plan.Id} superseded: no decision within {_pendingLifetime.TotalMinutes:0} minutes", cancellationToken).ConfigureAwait(false);
                continue;
            }

            left++;
        }

        return left == 0;
    }
}
