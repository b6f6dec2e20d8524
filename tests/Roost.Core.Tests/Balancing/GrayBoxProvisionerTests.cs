using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Balancing;

public sealed class GrayBoxProvisionerTests : VmProvisionerContract
{
    protected override IVmProvisioner CreateProvisioner() => new GrayBoxProvisioner();

    [Fact]
    public void EstimateNeed_GuestWorkingSet_SizesMemoryInOneStep()
    {
        var history = new UsageHistory(12);
        history.Add(new UsageSample(new ResourceVector(0.5, 1024, 0), SwapMiBPerSecond: 97.6), new GuestMemoryStats(1024, 2000, 97.6, 25_000), null);

        var need = new GrayBoxProvisioner().EstimateNeed(Vm(memoryMiB: 1024), HostCapacity, history);

        Assert.Equal(2200, need.MemoryMiB, 9);
    }

    [Fact]
    public void EstimateNeed_SwappingThoughWorkingSetFits_FallsBackToGrowth()
    {
        var history = new UsageHistory(12);
        history.Add(new UsageSample(new ResourceVector(0.5, 1024, 0), SwapMiBPerSecond: 10), new GuestMemoryStats(800, 700, 10, 2560), null);

        var need = new GrayBoxProvisioner().EstimateNeed(Vm(memoryMiB: 1024), HostCapacity, history);

        Assert.Equal(1280, need.MemoryMiB, 9);
    }

    [Fact]
    public void EstimateNeed_ApplicationStats_CpuFromQueueingBound()
    {
        var stats = new ApplicationStats(15, 0.1, 0, 0, 0.2, MeasuredAtCpuCores: 1);
        var history = new UsageHistory(12);
        history.Add(new UsageSample(new ResourceVector(1, 1024, 0)), null, stats);

        var need = new GrayBoxProvisioner().EstimateNeed(Vm(cpuCores: 1), HostCapacity, history);

        Assert.Equal(1.5, need.CpuCores, 6);
    }

    [Fact]
    public void EstimateNeed_UnservableLoad_CappedAtHostCapacity()
    {
        var stats = new ApplicationStats(3, 0.01, 0, 0.1, 0.1, 1);
        var history = new UsageHistory(12);
        history.Add(new UsageSample(new ResourceVector(1, 1024, 0)), null, stats);

        var need = new GrayBoxProvisioner().EstimateNeed(Vm(cpuCores: 1), HostCapacity, history);

        Assert.Equal(HostCapacity.CpuCores, need.CpuCores);
    }

    [Fact]
    public void EstimateNeed_NoStatistics_EqualsBlackBox()
    {
        var history = TestHistories.Of([0.5, 0.7, 0.6, 0.9], network: [10.0, 30, 20, 15]);

        var gray = new GrayBoxProvisioner().EstimateNeed(Vm(), HostCapacity, history);
        var black = new BlackBoxProvisioner().EstimateNeed(Vm(), HostCapacity, history);

        Assert.Equal(black, gray);
    }
}
