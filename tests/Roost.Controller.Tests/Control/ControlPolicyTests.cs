using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Monitoring;
using Roost.Core.Sharing;

namespace Roost.Controller.Tests.Control;

/// <summary>
/// The control loop's decisions, without a web host, a store or a driver: a snapshot in, commands out.
/// </summary>
public sealed class ControlPolicyTests
{
    private static readonly DateTimeOffset _now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ResourceVector _host = new(8, 32_768, 1000);

    [Fact]
    public void Hotspot_Automatic_StoresAnApprovedSandpiperPlanMovingAVmToTheColdHost()
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 0, new ResourceVector(4, 4096, 100), new ResourceVector(3.5, 4096, 10));
        world.Vm(2, 0, new ResourceVector(4, 4096, 100), new ResourceVector(3, 4096, 10));

        var decision = ControlPolicy.Decide(world.Snapshot(), ControllerSettings.Default, _now);

        Assert.Equal([new HostId(0)], decision.Hot);
        Assert.Contains(new ControlCommand.Event("hotspot", "host-0 is hot", "host/h0", EventSeverity.Warning), decision.Commands);
        var add = Assert.IsType<ControlCommand.AddPlan>(decision.Commands[^1]);
        Assert.Equal((ControlPolicy.SandpiperSource, PlanStatus.Approved), (add.Plan.Source, add.Plan.Status));
        var action = Assert.Single(add.Plan.Actions);
        Assert.Equal((ActionKind.Migrate, new HostId(0), new HostId(1)), (action.Kind, action.From, action.To));
    }

    [Fact]
    public void Hotspot_ReportedOnceAcrossSteps()
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 0, new ResourceVector(8, 4096, 100), new ResourceVector(7, 4096, 10));

        var decision = ControlPolicy.Decide(world.Snapshot() with { WasHot = new HashSet<HostId> { new(0) } }, ControllerSettings.Default, _now);

        Assert.Equal([new HostId(0)], decision.Hot);
        Assert.DoesNotContain(decision.Commands, c => c is ControlCommand.Event { Kind: "hotspot", Message: "host-0 is hot" });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PinnedVmOnARoomyHost_IsResized_WhenTheDriverCanResize(bool canResize)
    {
        var world = new World([Host(0)]);
        world.Vm(1, 0, new ResourceVector(1, 2048, 100), new ResourceVector(1, 2048, 10));

        var decision = ControlPolicy.Decide(world.Snapshot() with { CanResize = canResize }, ControllerSettings.Default, _now);

        var plans = decision.Commands.OfType<ControlCommand.AddPlan>().ToList();
        if (!canResize)
        {
            Assert.Empty(plans);
            return;
        }

        var action = Assert.Single(Assert.Single(plans).Plan.Actions);
        Assert.Equal((ActionKind.Resize, new VmId(1)), (action.Kind, action.Vm));
        Assert.True(action.Allocation.CpuCores > 1, $"resized to {action.Allocation}");
    }

    [Fact]
    public void NoSingleMoveFits_PlansASwap()
    {
        // examples/scenarios/swap.json at its hotspot: host-2 has CPU to spare but not the memory for either VM of host-1.
        var capacity = new ResourceVector(4, 4096, 1000);
        var world = new World([new StoredHost(new HostId(1), "h1", capacity), new StoredHost(new HostId(2), "h2", capacity)]);
        world.Vm(1, 1, new ResourceVector(4, 512, 1000), new ResourceVector(1.4, 512, 20));
        world.Vm(2, 1, new ResourceVector(4, 1024, 1000), new ResourceVector(1.8, 1024, 20));
        world.Vm(3, 2, new ResourceVector(4, 1536, 1000), new ResourceVector(0.2, 1536, 10));
        world.Vm(4, 2, new ResourceVector(4, 1280, 1000), new ResourceVector(0.2, 1280, 10));

        var decision = ControlPolicy.Decide(world.Snapshot(), ControllerSettings.Default, _now);

        var add = Assert.Single(decision.Commands.OfType<ControlCommand.AddPlan>());
        Assert.Equal(["vm-1 host-1 -> host-2", "vm-3 host-2 -> host-1"], add.Plan.Actions.Select(a => $"{a.Vm} {a.From} -> {a.To}"));
        Assert.All(add.Plan.Actions, a => Assert.StartsWith("swap: ", a.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Maintenance_EvacuatesTheHost_AndSandpiperWaits()
    {
        var world = new World([Host(0, maintenance: true), Host(1), Host(2)]);
        world.Vm(1, 0, new ResourceVector(2, 4096, 100), new ResourceVector(1, 2048, 10));
        world.Vm(2, 0, new ResourceVector(2, 4096, 100), new ResourceVector(1, 2048, 10));
        world.Vm(3, 1, new ResourceVector(2, 4096, 100), new ResourceVector(1, 4096, 10));

        var decision = ControlPolicy.Decide(world.Snapshot(), ControllerSettings.Default, _now);

        var add = Assert.Single(decision.Commands.OfType<ControlCommand.AddPlan>());
        Assert.Equal((ControlPolicy.MaintenanceSource, PlanStatus.Approved, "evacuate host-0: 2 migration(s)"), (add.Plan.Source, add.Plan.Status, add.Plan.Summary));
        Assert.Equal(["vm-1 -> host-2", "vm-2 -> host-1"], add.Plan.Actions.Select(a => $"{a.Vm} -> {a.To}"));
    }

    [Fact]
    public void ManualMode_StoresThePlanAsPending_AndAnApprovedPlanIsExecuted()
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 0, new ResourceVector(4, 4096, 100), new ResourceVector(3.5, 4096, 10));
        world.Vm(2, 0, new ResourceVector(4, 4096, 100), new ResourceVector(3, 4096, 10));
        var manual = ControllerSettings.Default with { Mode = ControlMode.Manual };

        var first = ControlPolicy.Decide(world.Snapshot(), manual, _now);
        var proposed = Assert.Single(first.Commands.OfType<ControlCommand.AddPlan>()).Plan;
        Assert.Equal(PlanStatus.Pending, proposed.Status);

        var waiting = ControlPolicy.Decide(world.Snapshot(Stored(7, proposed, PlanStatus.Pending)), manual, _now.AddMinutes(1));
        Assert.DoesNotContain(waiting.Commands, c => c is ControlCommand.AddPlan or ControlCommand.StartAction or ControlCommand.SupersedePlan);

        var approved = Stored(7, proposed, PlanStatus.Approved);
        var executing = ControlPolicy.Decide(world.Snapshot(approved), manual, _now.AddMinutes(1));
        Assert.Equal(
            [new ControlCommand.BeginPlan(approved), new ControlCommand.StartAction(approved.Actions[0], world.Stored[0])],
            executing.Commands.Where(c => c is ControlCommand.BeginPlan or ControlCommand.StartAction));
        Assert.DoesNotContain(executing.Commands, c => c is ControlCommand.AddPlan);
    }

    [Theory]
    [InlineData(4, null, false)]
    [InlineData(6, null, true)]
    [InlineData(59, 60, false)]
    [InlineData(61, 60, true)]
    public void PendingPlan_LeftLongerThanItsLifetime_IsSupersededByANewPlan(int minutesOld, int? lifetimeMinutes, bool superseded)
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 0, new ResourceVector(4, 4096, 100), new ResourceVector(3.5, 4096, 10));
        world.Vm(2, 0, new ResourceVector(4, 4096, 100), new ResourceVector(3, 4096, 10));
        var manual = ControllerSettings.Default with { Mode = ControlMode.Manual };
        var old = Stored(3, new NewPlan(_now.AddMinutes(-minutesOld), ControlPolicy.SandpiperSource, PlanStatus.Pending, "old", [new NewAction(ActionKind.Migrate, new VmId(1), new HostId(0), new HostId(1), new ResourceVector(4, 4096, 100), "old")]), PlanStatus.Pending);

        // Without a lifetime Decide uses the default (ControlPolicy.PendingLifetime); a configured one replaces it.
        TimeSpan? lifetime = lifetimeMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
        var decision = ControlPolicy.Decide(world.Snapshot(old), manual, _now, lifetime);

        Assert.Equal(superseded, decision.Commands.Contains(new ControlCommand.SupersedePlan(old, lifetime ?? ControlPolicy.PendingLifetime)));
        Assert.Equal(superseded, decision.Commands.Any(c => c is ControlCommand.AddPlan { Plan.Status: PlanStatus.Pending }));
    }

    [Fact]
    public void MigrationInFlight_SeenOnItsDestination_SucceedsAndEndsItsPlan()
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 1, new ResourceVector(2, 4096, 100), new ResourceVector(1, 4096, 10));
        var plan = Stored(5, new NewPlan(_now, ControlPolicy.SandpiperSource, PlanStatus.Executing, "move", [new NewAction(ActionKind.Migrate, new VmId(1), new HostId(0), new HostId(1), new ResourceVector(2, 4096, 100), "hot")]), PlanStatus.Executing);
        plan = plan with { Actions = [plan.Actions[0] with { Status = ActionStatus.InFlight }] };

        var decision = ControlPolicy.Decide(world.Snapshot(plan), ControllerSettings.Default, _now);

        var settle = Assert.Single(decision.Commands.OfType<ControlCommand.SettleAction>());
        Assert.Equal((ActionStatus.Succeeded, new HostId(1)), (settle.Status, settle.Placement?.Host));
        Assert.Contains(new ControlCommand.EndPlan(plan, PlanStatus.Completed, 1), decision.Commands);
    }

    [Fact]
    public void CreatedVm_GoesToTheHostWithMostFreeMemory_OrFails()
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 0, new ResourceVector(2, 4096, 100), new ResourceVector(1, 4096, 10));
        world.Stored.Add(new StoredVm(new VmId(2), "new", null, new ResourceVector(2, 8192, 100), VmState.Pending));
        world.Stored.Add(new StoredVm(new VmId(3), "huge", null, new ResourceVector(2, 65_536, 100), VmState.Pending));

        var decision = ControlPolicy.Decide(world.Snapshot(), ControllerSettings.Default, _now);

        Assert.Contains(new ControlCommand.StartVm(world.Stored[1], new HostId(1)), decision.Commands);
        Assert.Contains(decision.Commands, c => c is ControlCommand.FailVm { Vm.Id.Value: 3 });
    }

    [Theory]
    [InlineData(PlacementPolicy.Sharing, 1)]
    [InlineData(PlacementPolicy.FirstFit, 0)]
    [InlineData(PlacementPolicy.Spread, 0)]
    public void CreatedVm_OfAnImageRunningOnHost1_GoesBesideItOnlyUnderSharing(PlacementPolicy policy, int expected)
    {
        var world = new World([Host(0), Host(1)]);
        world.Vm(1, 0, new ResourceVector(1, 128, 10), new ResourceVector(0.1, 100, 1), image: "beta");
        world.Vm(2, 1, new ResourceVector(1, 128, 10), new ResourceVector(0.1, 100, 1), image: "alpha");
        world.Stored.Add(new StoredVm(new VmId(3), "alpha-2", null, new ResourceVector(1, 128, 10), VmState.Pending, Image: "alpha"));

        // VM 3 has not run: its image's fingerprint (taken of VM 2) stands for it.
        var prints = new GuestFingerprints(
            new Dictionary<VmId, ExactFingerprint> { [new VmId(1)] = Print(1_000_000, 20_000), [new VmId(2)] = Print(1, 20_000) },
            new Dictionary<string, ExactFingerprint>(StringComparer.Ordinal) { ["alpha"] = Print(1, 20_000), ["beta"] = Print(1_000_000, 20_000) });
        var decision = ControlPolicy.Decide(world.Snapshot(prints), ControllerSettings.Default with { Placement = policy }, _now);

        var start = Assert.Single(decision.Commands.OfType<ControlCommand.StartVm>());
        Assert.Equal(new HostId(expected), start.Host);
        if (policy == PlacementPolicy.Sharing)
        {
            Assert.Contains("an estimated 20000 pages (78.1 MiB) shared", start.Placement, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(PlacementPolicy.Sharing, true)]
    [InlineData(PlacementPolicy.FirstFit, false)]
    [InlineData(PlacementPolicy.Spread, false)]
    public void FourthGuestOfAnImage_FitsA448MiBHostOnlyByItsSharedPages(PlacementPolicy policy, bool placed)
    {
        // 448 MiB holds 3.5 guests of 128 MiB at face value; three running guests share 20,000 of their pages
        // (78 MiB), so the fourth, charged 128 MiB less 95 % of what it shares, fits only when sharing is credited.
        var world = new World([new StoredHost(new HostId(0), "h0", new ResourceVector(8, 448, 1000))]);
        for (var i = 1; i <= 3; i++)
        {
            world.Vm(i, 0, new ResourceVector(1, 128, 10), new ResourceVector(0.1, 100, 1), image: "alpha");
        }

        world.Stored.Add(new StoredVm(new VmId(4), "alpha-4", null, new ResourceVector(1, 128, 10), VmState.Pending, Image: "alpha"));
        var prints = new GuestFingerprints(
            Enumerable.Range(1, 3).ToDictionary(i => new VmId(i), _ => Print(1, 20_000)),
            new Dictionary<string, ExactFingerprint>(StringComparer.Ordinal) { ["alpha"] = Print(1, 20_000) });

        var decision = ControlPolicy.Decide(world.Snapshot(prints), ControllerSettings.Default with { Placement = policy }, _now);

        Assert.Equal(placed, decision.Commands.OfType<ControlCommand.StartVm>().Any(s => s.Vm.Id == new VmId(4) && s.Host == new HostId(0)));
        Assert.Equal(!placed, decision.Commands.OfType<ControlCommand.FailVm>().Any(f => f.Vm.Id == new VmId(4)));
    }

    [Fact]
    public void Sharing_WithoutAnyFingerprint_IsFirstFit_AndCountsVmsPlacedInTheSameStep()
    {
        var world = new World([new StoredHost(new HostId(0), "h0", new ResourceVector(8, 300, 1000)), new StoredHost(new HostId(1), "h1", new ResourceVector(8, 300, 1000))]);
        for (var i = 1; i <= 3; i++)
        {
            world.Stored.Add(new StoredVm(new VmId(i), $"new-{i}", null, new ResourceVector(1, 128, 10), VmState.Pending, Image: "alpha"));
        }

        var decision = ControlPolicy.Decide(world.Snapshot(), ControllerSettings.Default with { Placement = PlacementPolicy.Sharing }, _now);

        Assert.Equal([0, 0, 1], decision.Commands.OfType<ControlCommand.StartVm>().OrderBy(s => s.Vm.Id.Value).Select(s => s.Host.Value));
    }

    /// <summary>The fingerprint of <paramref name="count"/> distinct pages whose hashes run from <paramref name="first"/>.</summary>
    private static ExactFingerprint Print(ulong first, int count) =>
        ExactFingerprint.FromPageHashes([.. Enumerable.Range(0, count).Select(i => first + (ulong)i)]);

    private static StoredHost Host(int id, bool maintenance = false) => new(new HostId(id), $"h{id}", _host, maintenance);

    private static StoredPlan Stored(long id, NewPlan plan, PlanStatus status) =>
        new(id, plan.CreatedAt, plan.Source, status, plan.Summary, [.. plan.Actions.Select((a, i) => new StoredAction((id * 100) + i, id, i, a.Kind, a.Vm, a.From, a.To, a.Allocation, a.Reason, ActionStatus.Planned))]);

    /// <summary>Hosts and VMs with a constant usage seen for six intervals, as the loop's monitor would hold them.</summary>
    private sealed class World(IReadOnlyList<StoredHost> hosts)
    {
        private readonly List<VmObservation> _seen = [];

        public List<StoredVm> Stored { get; } = [];

        public void Vm(int id, int host, ResourceVector allocation, ResourceVector usage, string? image = null)
        {
            Stored.Add(new StoredVm(new VmId(id), $"vm{id}", new HostId(host), allocation, VmState.Running, Image: image));
            _seen.Add(new VmObservation(new VmId(id), new HostId(host), allocation, new UsageSample(usage), null));
        }

        public ControlSnapshot Snapshot(params StoredPlan[] plans) => Snapshot(GuestFingerprints.None, plans);

        public ControlSnapshot Snapshot(GuestFingerprints prints, params StoredPlan[] plans)
        {
            var monitor = new ClusterMonitor(windowLength: 12);
            var hostObservations = hosts.Select(h => new HostObservation(
                h.Id,
                _seen.Where(v => v.Host == h.Id).Aggregate(ResourceVector.Zero, (sum, v) => sum + v.Sample.Usage),
                0)).ToList();
            for (var i = 0; i < 6; i++)
            {
                foreach (var host in hostObservations)
                {
                    monitor.RecordHost(host.Host, new UsageSample(host.Usage));
                }

                foreach (var vm in _seen)
                {
                    monitor.RecordVm(vm.Vm, vm.Sample);
                }
            }

            var observation = new ClusterObservation(TimeSpan.FromHours(1), hostObservations, [.. _seen]) { Fingerprints = prints };
            return new ControlSnapshot(hosts, [.. Stored], plans, observation, monitor, CanResize: true, new HashSet<HostId>(), new HashSet<HostId>());
        }
    }
}
