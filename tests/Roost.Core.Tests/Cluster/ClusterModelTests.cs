using Roost.Core.Balancing;
using Roost.Core.Cluster;
using Roost.Core.Model;

namespace Roost.Core.Tests.Cluster;

public sealed class ClusterModelTests
{
    private static readonly ResourceVector _hostCapacity = new(4, 8192, 1000);

    [Fact]
    public void Run_HostOversubscribed_SharesCpuAndNetworkInProportionToWhatEachVmMayUse()
    {
        var model = NewModel(hosts: 1);
        model.AddVm(new VmId(1), new HostId(0), new ResourceVector(4, 1024, 1000));
        model.AddVm(new VmId(2), new HostId(0), new ResourceVector(2, 1024, 100));
        ResourceVector[] demand = [new(6, 512, 900), new(3, 2048, 300)];
        var used = new ResourceVector[2];

        model.Run(demand, used);

        // CPU: they may use 4 and 2 of the 4 cores, so each gets 4/6 of that; network 900 + 100 fit in 1000.
        Assert.Equal(4 * 4.0 / 6, used[0].CpuCores, 12);
        Assert.Equal(2 * 4.0 / 6, used[1].CpuCores, 12);
        Assert.Equal(900, used[0].NetworkMbps);
        Assert.Equal(100, used[1].NetworkMbps);
        Assert.Equal(512, used[0].MemoryMiB);
        Assert.Equal(1024, used[1].MemoryMiB);
    }

    [Fact]
    public void Run_NetworkOversubscribed_SharesIt()
    {
        var model = NewModel(hosts: 1);
        model.AddVm(new VmId(1), new HostId(0), new ResourceVector(1, 1024, 1000));
        model.AddVm(new VmId(2), new HostId(0), new ResourceVector(1, 1024, 1000));
        var used = new ResourceVector[2];

        model.Run([new(0.5, 0, 1000), new(0.5, 0, 1000)], used);

        Assert.Equal(500, used[0].NetworkMbps, 12);
        Assert.Equal(500, used[1].NetworkMbps, 12);
        Assert.Equal(0.5, used[0].CpuCores);
    }

    [Theory]
    [InlineData(256, 100.0, 1, 21.47483648)]
    [InlineData(4096, null, 0.5, 68.719476736)]
    public void MigrationTime_IsMemoryInMegabitsOverTheLinkShare(double memoryMiB, double? linkMbps, double share, double seconds)
    {
        var time = new MigrationTime(share, linkMbps);

        Assert.Equal(seconds, time.Seconds(memoryMiB, _hostCapacity), 9);
    }

    [Fact]
    public void Migration_RunsOnSourceUntilTheCopyEnds_PlannersSeeItOnItsDestinationAsJustMoved()
    {
        var model = NewModel(hosts: 2);
        model.AddVm(new VmId(7), new HostId(0), new ResourceVector(1, 1000, 100));
        var arrival = new ResourceVector(2, 1000, 100);

        var seconds = model.StartMigration(0, 1, arrival, TimeSpan.FromSeconds(10));

        Assert.Equal(1000 * MigrationTime.MegabitsPerMiB / 500, seconds, 12);
        var view = Assert.Single(model.PlannerView(TimeSpan.FromSeconds(20)));
        Assert.Equal((new HostId(1), arrival, TimeSpan.FromSeconds(20)), (view.Host, view.Allocation, view.LastMovedAt));
        Assert.Equal(0, model.HostIndexOf(0));
        Assert.Equal(0, model.CompleteMigrations(TimeSpan.FromSeconds(10 + seconds - 0.001)));
        Assert.Equal(new HostId(0), model.Vms[0].Host);

        Assert.Equal(1, model.CompleteMigrations(TimeSpan.FromSeconds(10 + seconds)));
        Assert.Equal(new ModelVm(new VmId(7), new HostId(1), arrival, TimeSpan.FromSeconds(10), null), model.Vms[0]);
        Assert.Equal(1, model.HostIndexOf(0));
        Assert.Equal(TimeSpan.FromSeconds(10), model.PlannerView(TimeSpan.FromSeconds(99))[0].LastMovedAt);
    }

    [Fact]
    public void Resize_InFlight_ChangesWhatTheVmHoldsOnArrival()
    {
        var model = NewModel(hosts: 2);
        model.AddVm(new VmId(1), new HostId(0), new ResourceVector(1, 1024, 100));
        model.Apply(new SandpiperAction.Migrate(new VmId(1), new HostId(0), new HostId(1), new ResourceVector(1, 1024, 100), "test"), TimeSpan.Zero);

        model.Apply(new SandpiperAction.Resize(new VmId(1), new HostId(1), new ResourceVector(1, 1024, 100), new ResourceVector(3, 2048, 100), "test"), TimeSpan.Zero);

        Assert.Equal(new ResourceVector(1, 1024, 100), model.Vms[0].Allocation);
        model.CompleteMigrations(TimeSpan.FromHours(1));
        Assert.Equal(new ResourceVector(3, 2048, 100), model.Vms[0].Allocation);
    }

    [Fact]
    public void Apply_Swap_StartsEveryMigrationTogether()
    {
        var model = NewModel(hosts: 2);
        model.AddVm(new VmId(1), new HostId(0), new ResourceVector(1, 1024, 100));
        model.AddVm(new VmId(2), new HostId(1), new ResourceVector(1, 512, 100));
        var swap = new SandpiperAction.Swap(
            [
                new SandpiperAction.Migrate(new VmId(1), new HostId(0), new HostId(1), new ResourceVector(1, 1024, 100), "hot"),
                new SandpiperAction.Migrate(new VmId(2), new HostId(1), new HostId(0), new ResourceVector(1, 512, 100), "cold"),
            ],
            "test");

        model.Apply(swap, TimeSpan.FromSeconds(5));

        Assert.Equal([new HostId(1), new HostId(0)], model.Vms.Select(v => v.Migration?.To));
        Assert.Equal([new HostId(1), new HostId(0)], model.PlannerView(TimeSpan.FromSeconds(5)).Select(v => v.Host));
        Assert.Throws<InvalidOperationException>(() => model.StartMigration(0, 0, new ResourceVector(1, 1024, 100), TimeSpan.FromSeconds(6)));
    }

    [Fact]
    public void AddAndRemove_KeepIdOrder()
    {
        var model = NewModel(hosts: 2);
        foreach (var id in new[] { 5, 1, 3 })
        {
            model.AddVm(new VmId(id), new HostId(id % 2), new ResourceVector(1, 256, 10));
        }

        Assert.True(model.RemoveVm(new VmId(3)));
        Assert.False(model.RemoveVm(new VmId(3)));
        model.AddVm(new VmId(2), new HostId(0), new ResourceVector(1, 256, 10));

        Assert.Equal([1, 2, 5], model.Vms.Select(v => v.Id.Value));
        Assert.Equal(2, model.VmIndex(new VmId(5)));
        Assert.Equal(0, model.HostIndexOf(1));
        Assert.Throws<ArgumentException>(() => model.AddVm(new VmId(1), new HostId(0), ResourceVector.Zero));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomActions_NoVmIsLostOrDuplicated_AndEveryMigrationEndsOnItsDestination(int seed)
    {
        var random = new Random(seed);
        var model = NewModel(hosts: 5);
        for (var v = 0; v < 20; v++)
        {
            model.AddVm(new VmId(v), new HostId(random.Next(5)), new ResourceVector(1, random.Next(256, 4096), 100));
        }

        var expected = new Dictionary<VmId, HostId>();
        for (var step = 0; step < 200; step++)
        {
            var now = TimeSpan.FromSeconds(step * 5);
            model.CompleteMigrations(now);
            var v = random.Next(model.Vms.Count);
            var to = random.Next(5);
            if (model.Vms[v].Migration is null && model.HostIndexOf(v) != to)
            {
                model.StartMigration(v, to, model.Vms[v].Allocation, now);
                expected[model.Vms[v].Id] = new HostId(to);
            }

            var used = new ResourceVector[model.Vms.Count];
            model.Run(model.Vms.Select(x => x.Allocation * 2).ToArray(), used);
            for (var h = 0; h < model.Hosts.Count; h++)
            {
                var cpu = Enumerable.Range(0, used.Length).Where(i => model.HostIndexOf(i) == h).Sum(i => used[i].CpuCores);
                Assert.True(cpu <= _hostCapacity.CpuCores + 1e-9, $"seed {seed}: host {h} runs {cpu} cores");
            }
        }

        model.CompleteMigrations(TimeSpan.FromDays(1));
        Assert.Equal(Enumerable.Range(0, 20), model.Vms.Select(v => v.Id.Value));
        Assert.All(model.Vms, vm => Assert.Null(vm.Migration));
        Assert.All(expected, pair => Assert.Equal(pair.Value, model.Vms[model.VmIndex(pair.Key)].Host));
    }

    private static ClusterModel NewModel(int hosts) =>
        new(Enumerable.Range(0, hosts).Select(h => new HostSnapshot(new HostId(h), _hostCapacity)), MigrationTime.HalfDestinationLink);
}
