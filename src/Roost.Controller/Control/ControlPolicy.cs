using System.Globalization;
using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Controller.Control;

/// <summary>
/// What the control loop does in one step, decided purely from a <see cref="ControlSnapshot"/>: no store, no driver, no
/// clock but the <c>now</c> it is given. In order: settle actions in flight by the observation; stop and place VMs the
/// API asked for; execute approved plans within the concurrent-migration limit; end plans with nothing left to do;
/// evacuate hosts in maintenance; and, when no plan is active or awaits an operator, let Sandpiper (Wood et al., NSDI
/// 2007) plan against hotspots — approved at once in automatic mode, pending in manual mode.
/// </summary>
/// <remarks>
/// A command the driver refuses is settled by the loop when it executes it (the action fails, the VM fails); the
/// decision assumes commands succeed, so a plan whose action the driver refused ends at the next step.
/// </remarks>
internal static partial class ControlPolicy
{
    public const string SandpiperSource = "sandpiper";
    public const string MaintenanceSource = "maintenance";

    /// <summary>
    /// By default a pending plan nobody decided on for this long is superseded, so the next plan reflects the present
    /// (<see cref="ControlLoopOptions.PendingPlanLifetime"/> sets it per controller).
    /// </summary>
    public static readonly TimeSpan PendingLifetime = TimeSpan.FromMinutes(5);

    public static ControlDecision Decide(ControlSnapshot snapshot, ControllerSettings settings, DateTimeOffset now, TimeSpan? pendingLifetime = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(settings);

        var commands = new List<ControlCommand>();
        var seen = snapshot.Observation.Vms.ToDictionary(v => v.Vm);
        var stored = snapshot.Vms.ToDictionary(v => v.Id);
        var active = snapshot.Plans.Where(p => p.Status is PlanStatus.Executing or PlanStatus.Approved).OrderBy(p => p.Id).ToList();
        var status = active.SelectMany(p => p.Actions).ToDictionary(a => a.Id, a => a.Status);

        Reconcile(active, seen, stored, status, commands);
        RunVmRequests(snapshot, settings.Placement, seen, commands);
        ExecutePlans(settings, snapshot.Hosts, active, seen, stored, status, commands);
        var ended = EndPlans(active, status, commands);
        var stillActive = active.Where(p => !ended.Contains(p.Id)).ToList();
        var evacuating = Evacuate(settings, snapshot.Hosts, stillActive, seen, status, now, commands);
        return Plan(snapshot, settings, now, pendingLifetime ?? PendingLifetime, stillActive.Count > 0 || evacuating, commands);
    }

    /// <summary>
    /// Settles every in-flight action by what the driver now reports: a migration is done when its VM is on the
    /// destination and no longer moving, aborted when it is back (or still) on the source and not moving. After a
    /// restart this tells what really happened; nothing is executed twice.
    /// </summary>
    private static void Reconcile(
        List<StoredPlan> active, Dictionary<VmId, VmObservation> seen, Dictionary<VmId, StoredVm> stored, Dictionary<long, ActionStatus> status, List<ControlCommand> commands)
    {
        foreach (var action in active.SelectMany(p => p.Actions).Where(a => a.Status == ActionStatus.InFlight))
        {
            var vm = seen.GetValueOrDefault(action.Vm);
            var (result, outcome) = (action.Kind, vm) switch
            {
                (_, null) => (ActionStatus.Failed, $"{action.Vm} is no longer running"),
                (ActionKind.Migrate, { MigratingTo: not null }) => (ActionStatus.InFlight, ""),
                (ActionKind.Migrate, _) when vm.Host == action.To => (ActionStatus.Succeeded, $"{action.Vm} arrived on {action.To}{(vm.MigrationReport is { } report ? $": {report.Describe()}" : "")}"),
                (ActionKind.Migrate, _) => (ActionStatus.Failed, $"migration aborted: {vm.MigrationProblem ?? $"{action.Vm} is on {vm.Host}"}"),
                (ActionKind.Resize, _) when vm.Allocation == action.Allocation => (ActionStatus.Succeeded, $"{action.Vm} holds {action.Allocation}"),
                _ => (ActionStatus.Failed, $"interrupted before the driver resized {action.Vm}"),
            };
            if (result == ActionStatus.InFlight)
            {
                continue;
            }

            (HostId, ResourceVector, TimeSpan?)? placement = result == ActionStatus.Succeeded && vm is not null
                ? (vm.Host, vm.Allocation, stored.GetValueOrDefault(action.Vm)?.LastMovedAt)
                : null;
            commands.Add(new ControlCommand.SettleAction(action, result, outcome, placement));
            status[action.Id] = result;
        }
    }

    /// <summary>
    /// Starts the planned actions of approved and executing plans, oldest plan first, while fewer than the limit of
    /// migrations are in flight; cancels those whose VM or target changed meanwhile.
    /// </summary>
    private static void ExecutePlans(
        ControllerSettings settings,
        IReadOnlyList<StoredHost> hosts,
        List<StoredPlan> active,
        Dictionary<VmId, VmObservation> seen,
        Dictionary<VmId, StoredVm> stored,
        Dictionary<long, ActionStatus> status,
        List<ControlCommand> commands)
    {
        var inFlight = active.SelectMany(p => p.Actions).Count(a => a.Kind == ActionKind.Migrate && status[a.Id] == ActionStatus.InFlight);
        var byId = hosts.ToDictionary(h => h.Id);
        foreach (var plan in active)
        {
            if (plan.Status == PlanStatus.Approved)
            {
                commands.Add(new ControlCommand.BeginPlan(plan));
            }

            foreach (var action in plan.Actions.Where(a => status[a.Id] == ActionStatus.Planned))
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
                    commands.Add(new ControlCommand.CancelAction(action, problem));
                    status[action.Id] = ActionStatus.Cancelled;
                    continue;
                }

                if (action.Kind == ActionKind.Migrate && inFlight >= settings.MaxConcurrentMigrations)
                {
                    break;
                }

                // A resize is settled by the driver's answer when the loop executes it; until then it counts as in flight.
                commands.Add(new ControlCommand.StartAction(action, stored.GetValueOrDefault(action.Vm)));
                status[action.Id] = ActionStatus.InFlight;
                if (action.Kind == ActionKind.Migrate)
                {
                    inFlight++;
                }
            }
        }
    }

    /// <summary>A plan is over when none of its actions is planned or in flight; returns the ids of the plans ended.</summary>
    private static HashSet<long> EndPlans(List<StoredPlan> active, Dictionary<long, ActionStatus> status, List<ControlCommand> commands)
    {
        var ended = new HashSet<long>();
        foreach (var plan in active)
        {
            if (plan.Actions.All(a => status[a.Id] is not (ActionStatus.Planned or ActionStatus.InFlight)))
            {
                var failed = plan.Actions.Count(a => status[a.Id] == ActionStatus.Failed);
                var succeeded = plan.Actions.Count(a => status[a.Id] == ActionStatus.Succeeded);
                commands.Add(new ControlCommand.EndPlan(plan, failed > 0 ? PlanStatus.Failed : PlanStatus.Completed, succeeded));
                ended.Add(plan.Id);
            }
        }

        return ended;
    }

    /// <summary>One evacuation plan (<see cref="MaintenanceEvacuation"/>) for the VMs on maintenance hosts no active plan moves.</summary>
    private static bool Evacuate(
        ControllerSettings settings,
        IReadOnlyList<StoredHost> hosts,
        List<StoredPlan> active,
        Dictionary<VmId, VmObservation> seen,
        Dictionary<long, ActionStatus> status,
        DateTimeOffset now,
        List<ControlCommand> commands)
    {
        var draining = hosts.Where(h => h.Maintenance).Select(h => h.Id).OrderBy(h => h.Value).ToList();
        if (draining.Count == 0)
        {
            return false;
        }

        var busy = active.SelectMany(p => p.Actions).Where(a => status[a.Id] is ActionStatus.Planned or ActionStatus.InFlight).Select(a => a.Vm).ToHashSet();
        var vms = seen.Values
            .Select(v => new EvacuationVm(v.Vm, v.Host, v.MigratingTo, v.Sample.Usage with { MemoryMiB = Math.Max(v.Sample.Usage.MemoryMiB, v.Allocation.MemoryMiB) }, v.Allocation, busy.Contains(v.Vm)))
            .ToList();
        var moves = MaintenanceEvacuation.Plan([.. hosts.Select(h => new EvacuationHost(new HostSnapshot(h.Id, h.Capacity), h.Maintenance))], vms, settings.Threshold);
        if (moves.Count == 0)
        {
            return false;
        }

        var actions = moves.Select(m => new NewAction(ActionKind.Migrate, m.Vm, m.From, m.To, m.Allocation, m.Reason)).ToList();
        var summary = $"evacuate {string.Join(", ", draining.Select(h => h.ToString()))}: {actions.Count} migration(s)";
        commands.Add(new ControlCommand.AddPlan(new NewPlan(now, MaintenanceSource, PlanStatus.Approved, summary, actions), MaintenanceSource));
        return true;
    }

    /// <summary>
    /// Hot hosts by the k-of-n rule (each newly hot one reported once); then, when nothing else is being executed or
    /// awaits an operator (a pending plan left too long is superseded first), a Sandpiper plan: needs by black-box
    /// profiling, then migrate/swap/resize. Maintenance hosts count as hot so nothing is sent to them.
    /// </summary>
    private static ControlDecision Plan(ControlSnapshot snapshot, ControllerSettings settings, DateTimeOffset now, TimeSpan lifetime, bool busy, List<ControlCommand> commands)
    {
        var engine = SandpiperEngine.BlackBox(SandpiperOptions.Default with { Rule = new HotspotRule(threshold: settings.Threshold) });
        var stored = snapshot.Vms.ToDictionary(v => v.Id);
        var hosts = snapshot.Hosts.Select(h => new HostSnapshot(h.Id, h.Capacity)).ToArray();
        var vms = snapshot.Observation.Vms
            .Select(v => new VmSnapshot(v.Vm, v.MigratingTo ?? v.Host, v.Allocation, stored.GetValueOrDefault(v.Vm)?.LastMovedAt))
            .ToArray();
        var input = engine.Assess(snapshot.Observation.Clock, hosts, vms, snapshot.Monitor);
        var hot = input.HotHosts.ToHashSet();
        var names = snapshot.Hosts.ToDictionary(h => h.Id, h => h.Name);
        foreach (var host in hot.Where(h => !snapshot.WasHot.Contains(h)).OrderBy(h => h.Value))
        {
            commands.Add(new ControlCommand.Event("hotspot", $"{host} is hot", NewEvent.Host(names.GetValueOrDefault(host, host.ToString())), EventSeverity.Warning));
        }

        var unchanged = new ControlDecision(commands, hot, snapshot.WasUnresolved);
        if (busy)
        {
            return unchanged;
        }

        var waiting = 0;
        foreach (var proposed in snapshot.Plans.Where(p => p.Status == PlanStatus.Pending).OrderBy(p => p.Id))
        {
            if (now - proposed.CreatedAt > lifetime)
            {
                commands.Add(new ControlCommand.SupersedePlan(proposed, lifetime));
            }
            else
            {
                waiting++;
            }
        }

        if (waiting > 0)
        {
            return unchanged;
        }

        var blocked = new HashSet<HostId>(hot);
        blocked.UnionWith(snapshot.Hosts.Where(h => h.Maintenance).Select(h => h.Id));
        var plan = engine.Plan(input with { HotHosts = blocked });
        foreach (var host in plan.Unresolved.Where(h => !snapshot.WasUnresolved.Contains(h)))
        {
            commands.Add(new ControlCommand.Event("hotspot", $"{host} could not be relieved: no migration or swap fits", NewEvent.Host(names.GetValueOrDefault(host, host.ToString())), EventSeverity.Warning));
        }

        var decision = new ControlDecision(commands, hot, plan.Unresolved.ToHashSet());
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
                case SandpiperAction.Resize when !snapshot.CanResize:
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
            return decision;
        }

        var migrations = actions.Count(a => a.Kind == ActionKind.Migrate);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{migrations} migration(s), {actions.Count - migrations} resize(s); hot: {string.Join(", ", hot.OrderBy(h => h.Value).Select(h => h.ToString()))}");
        var status = settings.Mode == ControlMode.Automatic ? PlanStatus.Approved : PlanStatus.Pending;
        commands.Add(new ControlCommand.AddPlan(new NewPlan(now, SandpiperSource, status, summary, actions), $"{SandpiperSource}, {status.ToString().ToLowerInvariant()}"));
        return decision;
    }
}
