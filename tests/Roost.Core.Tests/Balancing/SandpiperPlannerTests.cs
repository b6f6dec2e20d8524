using Roost.Core.Balancing;
using Roost.Core.Model;
using static Roost.Core.Tests.Balancing.PlannerFixtures;

namespace Roost.Core.Tests.Balancing;

public sealed class SandpiperPlannerTests
{
    private readonly SandpiperPlanner _planner = new();

    private static List<HostSnapshot> ThreeHosts => [Host(1), Host(2), Host(3)];

    private static List<VmAssessment> PaperCluster(TimeSpan? vm3MovedAt = null) =>
    [
        Vm(1, host: 1, cpuNeed: 2.2, memoryMiB: 1024, networkNeed: 40),
        Vm(2, host: 1, cpuNeed: 0.6, memoryMiB: 512, networkNeed: 20),
        Vm(3, host: 1, cpuNeed: 0.8, memoryMiB: 256, networkNeed: 30, lastMovedAt: vm3MovedAt),
        Vm(4, host: 2, cpuNeed: 1.6, memoryMiB: 1024, networkNeed: 50),
        Vm(5, host: 3, cpuNeed: 2.0, memoryMiB: 1024, networkNeed: 50),
    ];

    [Fact]
    public void Plan_HotHost_MigratesHighestVsrVmToLeastLoadedHost()
    {
        var plan = _planner.Plan(Input(ThreeHosts, PaperCluster(), hot: 1));

        var migrate = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(plan.Actions));
        Assert.Equal(new VmId(3), migrate.Vm);
        Assert.Equal(new HostId(2), migrate.To);
        Assert.Contains("highest VSR", migrate.Reason, StringComparison.Ordinal);
        Assert.Empty(plan.Unresolved);
    }

    [Fact]
    public void Plan_HighestVsrVmInCoolDown_MovesTheNextThatFits()
    {
        var plan = _planner.Plan(Input(ThreeHosts, PaperCluster(vm3MovedAt: Now - TimeSpan.FromSeconds(30)), hot: 1));

        var migrate = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(plan.Actions));
        Assert.Equal(new VmId(2), migrate.Vm);
        Assert.Equal(new HostId(2), migrate.To);
    }

    [Fact]
    public void Plan_CoolDownOver_VmMayMoveAgain()
    {
        var plan = _planner.Plan(Input(ThreeHosts, PaperCluster(vm3MovedAt: Now - TimeSpan.FromSeconds(60)), hot: 1));

        Assert.Equal(new VmId(3), Assert.IsType<SandpiperAction.Migrate>(Assert.Single(plan.Actions)).Vm);
    }

    [Fact]
    public void Plan_VmNeedsMoreOnRoomyHost_ResizesInPlace()
    {
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 1.5, memoryMiB: 1024, cpuCap: 1), Vm(2, host: 1, cpuNeed: 0.8, memoryMiB: 1024)];

        var plan = _planner.Plan(Input(ThreeHosts, vms));

        var resize = Assert.IsType<SandpiperAction.Resize>(Assert.Single(plan.Actions));
        Assert.Equal(new VmId(1), resize.Vm);
        Assert.Equal(1, resize.From.CpuCores);
        Assert.Equal(1.5, resize.To.CpuCores);
    }

    [Fact]
    public void Plan_ResizeDoesNotFit_MigratesWithProfiledAllocation()
    {
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 2.5, memoryMiB: 1024, cpuCap: 1), Vm(2, host: 1, cpuNeed: 1.0, memoryMiB: 512), Vm(3, host: 2, cpuNeed: 0.2, memoryMiB: 512)];

        var plan = _planner.Plan(Input(ThreeHosts, vms));

        var migrate = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(plan.Actions));
        Assert.Equal(new VmId(1), migrate.Vm);
        Assert.Equal(new HostId(3), migrate.To);
        Assert.Equal(2.5, migrate.Allocation.CpuCores);
    }

    [Fact]
    public void Plan_NoSingleMoveFits_Swaps()
    {
        List<HostSnapshot> hosts = [Host(1), Host(2)];
        List<VmAssessment> vms =
        [
            Vm(1, host: 1, cpuNeed: 1.4, memoryMiB: 512, networkNeed: 20),
            Vm(2, host: 1, cpuNeed: 1.8, memoryMiB: 1024, networkNeed: 20),
            Vm(3, host: 2, cpuNeed: 0.2, memoryMiB: 1536, networkNeed: 10),
            Vm(4, host: 2, cpuNeed: 0.2, memoryMiB: 1280, networkNeed: 10),
        ];

        var plan = _planner.Plan(Input(hosts, vms, hot: 1));

        var swap = Assert.IsType<SandpiperAction.Swap>(Assert.Single(plan.Actions));
        Assert.Equal(["vm-1 host-1 -> host-2", "vm-3 host-2 -> host-1"], swap.Migrations.Select(m => $"{m.Vm} {m.From} -> {m.To}"));
        Assert.Empty(plan.Unresolved);
    }

    [Fact]
    public void Plan_NowhereToGo_ReportsUnresolved()
    {
        List<HostSnapshot> hosts = [Host(1), Host(2)];
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 3.5, memoryMiB: 1024), Vm(2, host: 2, cpuNeed: 2.9, memoryMiB: 1024)];

        var plan = _planner.Plan(Input(hosts, vms, hot: 1));

        Assert.Empty(plan.Actions);
        Assert.Equal([new HostId(1)], plan.Unresolved);
    }

    [Fact]
    public void Plan_EqualTargets_TieBrokenByLowestHostId()
    {
        List<HostSnapshot> hosts = [Host(9), Host(5), Host(1)];
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 2, memoryMiB: 512), Vm(2, host: 1, cpuNeed: 1.5, memoryMiB: 1024)];

        var plan = _planner.Plan(Input(hosts, vms, hot: 1));

        Assert.Equal(new HostId(5), Assert.IsType<SandpiperAction.Migrate>(Assert.Single(plan.Actions)).To);
    }

    [Fact]
    public void Plan_HotHostsRelievedInDecreasingVolume()
    {
        List<HostSnapshot> hosts = [Host(1), Host(2), Host(3)];
        List<VmAssessment> vms =
        [
            Vm(1, host: 1, cpuNeed: 1.7, memoryMiB: 512),
            Vm(2, host: 1, cpuNeed: 1.5, memoryMiB: 512),
            Vm(3, host: 2, cpuNeed: 2.0, memoryMiB: 512),
            Vm(4, host: 2, cpuNeed: 1.8, memoryMiB: 512),
        ];

        var plan = _planner.Plan(Input(hosts, vms, hot: [1, 2]));

        Assert.Equal(new HostId(2), Assert.IsType<SandpiperAction.Migrate>(plan.Actions[0]).From);
        Assert.Equal(new VmId(3), Assert.IsType<SandpiperAction.Migrate>(plan.Actions[0]).Vm);
    }

    [Fact]
    public void Plan_NothingHot_IsEmpty()
    {
        var plan = _planner.Plan(Input(ThreeHosts, PaperCluster()));

        Assert.Empty(plan.Actions);
        Assert.Empty(plan.Unresolved);
    }

    [Fact]
    public void Plan_VmOnUnknownHost_Throws()
    {
        List<VmAssessment> vms = [Vm(1, host: 42, cpuNeed: 1, memoryMiB: 512)];

        Assert.Throws<ArgumentException>(() => _planner.Plan(Input(ThreeHosts, vms)));
    }

    [Fact]
    public void Footprint_CountsMemoryReservationEvenWhenNeedIsSmaller()
    {
        var vm = Vm(1, host: 1, cpuNeed: 0.5, memoryMiB: 2048, networkNeed: 7, memoryNeed: 1000);

        Assert.Equal(new ResourceVector(0.5, 2048, 7), SandpiperPlanner.Footprint(vm));
    }
}
