using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Balancing;

public sealed class SandpiperEngineTests
{
    private static HostSnapshot[] Hosts =>
    [
        new(new HostId(1), new ResourceVector(4, 4096, 1000)),
        new(new HostId(2), new ResourceVector(4, 4096, 1000)),
    ];

    [Fact]
    public void Step_HostHotByKOfNAndForecast_MigratesOffIt()
    {
        var monitor = new ClusterMonitor();
        VmSnapshot[] vms =
        [
            new(new VmId(1), new HostId(1), new ResourceVector(4, 1024, 1000)),
            new(new VmId(2), new HostId(1), new ResourceVector(4, 512, 1000)),
        ];
        double[] vm1 = [1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 2.4, 2.4, 2.4];
        for (var s = 0; s < vm1.Length; s++)
        {
            monitor.RecordVm(new VmId(1), new UsageSample(new ResourceVector(vm1[s], 1024, 0)));
            monitor.RecordVm(new VmId(2), new UsageSample(new ResourceVector(1.2, 512, 0)));
            monitor.RecordHost(new HostId(1), new UsageSample(new ResourceVector(vm1[s] + 1.2, 1536, 0)));
            monitor.RecordHost(new HostId(2), new UsageSample(ResourceVector.Zero));
        }

        var engine = SandpiperEngine.BlackBox();
        var input = engine.Assess(TimeSpan.FromSeconds(50), Hosts, vms, monitor);
        var plan = engine.Plan(input);

        Assert.Equal([new HostId(1)], input.HotHosts);
        var migrate = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(plan.Actions));
        Assert.Equal(new HostId(2), migrate.To);
    }

    [Fact]
    public void Assess_VmWithoutHistory_NeedsItsAllocation()
    {
        VmSnapshot[] vms = [new(new VmId(1), new HostId(2), new ResourceVector(1, 1024, 100))];

        var input = SandpiperEngine.GrayBox().Assess(TimeSpan.Zero, Hosts, vms, new ClusterMonitor());

        Assert.Equal(new ResourceVector(1, 1024, 100), Assert.Single(input.Vms).Need);
        Assert.Empty(input.HotHosts);
    }
}
