using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharingConsolidationPlannerTests
{
    private static BloomParameters Bloom { get; } = BloomParameters.ForPages(6 * SyntheticDataCenter.VmPages);

    [Theory]
    [InlineData(1, SharingEstimateKind.ListList)]
    [InlineData(2, SharingEstimateKind.ListBloom)]
    [InlineData(3, SharingEstimateKind.BloomBloom)]
    [InlineData(4, SharingEstimateKind.ListList)]
    [InlineData(5, SharingEstimateKind.ListBloom)]
    [InlineData(6, SharingEstimateKind.BloomBloom)]
    public void Plan_EvacuatesWholeHostsOnly_AndNeverOvercommitsExactly(int seed, SharingEstimateKind kind)
    {
        var hosts = SpreadOut(seed);
        var options = kind == SharingEstimateKind.ListList ? SharingPlacementOptions.Exact : new SharingPlacementOptions(kind);

        var plan = new SharingConsolidationPlanner(options).Plan(hosts);

        Assert.NotEmpty(plan.EvacuatedHosts);
        var before = hosts.ToDictionary(h => h.Id);
        foreach (var evacuated in plan.EvacuatedHosts)
        {
            var moved = plan.Migrations.Where(m => m.From == evacuated).Select(m => m.Vm.Value).Order();
            Assert.Equal(before[evacuated].Vms.Select(v => v.Id.Value).Order(), moved);
        }

        Assert.All(plan.Migrations, m => Assert.Contains(m.From, plan.EvacuatedHosts));
        Assert.All(plan.Migrations, m => Assert.DoesNotContain(m.To, plan.EvacuatedHosts));
        Assert.Equal(hosts.Sum(h => h.Vms.Count), plan.Hosts.Sum(h => h.Vms.Count));
        foreach (var host in plan.Hosts)
        {
            var exact = SharingFootprint.ExactUsedPages(host.Vms);
            Assert.True(exact <= host.MemoryPages, $"seed {seed}: {host.Id} uses {exact} pages exactly, capacity {host.MemoryPages}");
            Assert.True(host.UsedCpuCores <= host.CpuCores, $"seed {seed}: {host.Id} CPU overcommitted");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Plan_IsDeterministic(int seed)
    {
        var planner = new SharingConsolidationPlanner(new SharingPlacementOptions(SharingEstimateKind.ListBloom));

        var first = planner.Plan(SpreadOut(seed));
        var second = planner.Plan(Enumerable.Reverse(SpreadOut(seed)).ToList());

        Assert.Equal(first.Migrations, second.Migrations);
        Assert.Equal(first.EvacuatedHosts, second.EvacuatedHosts);
    }

    /// <summary>
    /// With exact lists the planner takes its first estimates from one all-pairs matrix: replaying the plan, each move's
    /// estimate must equal list ∩ list against the target as it was at that moment, including targets that had already
    /// received VMs (whose matrix entries are stale and must not be used).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Plan_ExactLists_EstimatesEqualListListAtEachMove(int seed)
    {
        var hosts = SpreadOut(seed);

        var plan = new SharingConsolidationPlanner(SharingPlacementOptions.Exact).Plan(hosts);

        Assert.Contains(plan.Migrations, m => plan.Migrations.Count(other => other.To == m.To) > 1);
        var state = hosts.ToDictionary(h => h.Id);
        var vms = hosts.SelectMany(h => h.Vms).ToDictionary(vm => vm.Id);
        foreach (var move in plan.Migrations)
        {
            var vm = vms[move.Vm];
            var expected = Math.Clamp(SharingEstimator.ListList(vm.Pages, state[move.To].Pages), 0, vm.MaxSharedPages);
            Assert.True(expected == move.EstimatedSharedPages, $"seed {seed}: {move.Vm} to {move.To}: estimated {move.EstimatedSharedPages}, list ∩ list {expected}");
            state[move.To] = state[move.To].WithVm(vm, 0);
        }
    }

    [Fact]
    public void Plan_MovesAVmToTheHostItSharesMostWith()
    {
        var sets = new SyntheticPageSets(new Random(21), 2, 0, 10_000);
        var vm = NewVm(0, sets.NextVm(0, 0.9, 500));
        var light = Host(1, vm);
        // The other hosts are busy on CPU (8 of 16 cores), so only host 1 is lightly loaded.
        var otherProfile = Host(2, NewVm(1, sets.NextVm(1, 0.9, 500)) with { CpuCores = 4 }, NewVm(2, sets.NextVm(1, 0.9, 500)) with { CpuCores = 4 });
        var sameProfile = Host(3, NewVm(3, sets.NextVm(0, 0.9, 500)) with { CpuCores = 4 }, NewVm(4, sets.NextVm(0, 0.9, 500)) with { CpuCores = 4 });

        var plan = new SharingConsolidationPlanner(SharingPlacementOptions.Exact, lightLoadFraction: 0.15).Plan([light, otherProfile, sameProfile]);

        var migration = Assert.Single(plan.Migrations);
        Assert.Equal(new SharingMigration(vm.Id, light.Id, sameProfile.Id, migration.EstimatedSharedPages), migration);
        Assert.True(migration.EstimatedSharedPages > 5000);
        Assert.Equal([light.Id], plan.EvacuatedHosts);
    }

    [Fact]
    public void Plan_HostWhoseVmsCannotAllMove_IsLeftUntouched()
    {
        var sets = new SyntheticPageSets(new Random(22), 1, 0, 0);
        var small = NewVm(0, sets.NextVm(0, 0, 1000));
        var large = NewVm(1, sets.NextVm(0, 0, 30_000));
        var source = Host(1, small, large);
        var target = Host(2, NewVm(2, sets.NextVm(0, 0, 50_000))) with { MemoryPages = 60_000 };

        var plan = new SharingConsolidationPlanner(SharingPlacementOptions.Exact).Plan([source, target]);

        Assert.Empty(plan.Migrations);
        Assert.Empty(plan.EvacuatedHosts);
    }

    private static SharingVm NewVm(int id, ExactFingerprint pages) => new SharingVm(new VmId(id), 1, 10, pages.Count + 100, pages).WithFilter(Bloom);

    private static SharingHost Host(int id, params SharingVm[] vms) => SharingHost.WithExactUsage(new HostId(id), 16, 1000, 100_000, vms, default, Bloom);

    /// <summary>20 hosts of 96 Ki pages, each holding 1-3 VMs: many lightly loaded.</summary>
    private static List<SharingHost> SpreadOut(int seed)
    {
        var random = new Random(seed);
        var vms = SyntheticDataCenter.Vms(random, 40, profiles: 3, Bloom);
        var hosts = new List<SharingHost>();
        var next = 0;
        for (var id = 1; next < vms.Count; id++)
        {
            var take = Math.Min(random.Next(1, 4), vms.Count - next);
            hosts.Add(SharingHost.WithExactUsage(new HostId(id), 32, 1000, 6 * SyntheticDataCenter.VmPages, vms.GetRange(next, take), default, Bloom));
            next += take;
        }

        return hosts;
    }
}
