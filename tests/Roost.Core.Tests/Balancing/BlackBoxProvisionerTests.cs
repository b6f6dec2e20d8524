using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Balancing;

public sealed class BlackBoxProvisionerTests : VmProvisionerContract
{
    protected override IVmProvisioner CreateProvisioner() => new BlackBoxProvisioner();

    [Fact]
    public void EstimateNeed_Cpu_IsMaxOf95thPercentileAndForecast()
    {
        // Eleven samples of 0.2 then 0.6: p95 rank 10.45 → 0.2 + 0.45 · 0.4 = 0.38; the AR(1) forecast is ≈ 0.23.
        var history = TestHistories.Of([0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.6]);

        var need = new BlackBoxProvisioner().EstimateNeed(Vm(), HostCapacity, history);

        Assert.Equal(0.38, need.CpuCores, 9);
    }

    [Fact]
    public void EstimateNeed_RisingCpu_ForecastWinsOverPercentile()
    {
        var history = TestHistories.Of([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2]);
        var forecast = Ar1Model.Fit(history.Cpu.ToArray()).Forecast;
        var options = new ProvisioningOptions { Percentile = 50 };

        var need = new BlackBoxProvisioner(options).EstimateNeed(Vm(), HostCapacity, history);

        Assert.Equal(forecast, need.CpuCores, 9);
        Assert.True(forecast > UsageProfile.From(history.Cpu).Percentile(50));
    }

    [Fact]
    public void EstimateNeed_PinnedAtCapForKOfN_GrowsBeyondCap()
    {
        var history = TestHistories.Of([0.5, 0.5, 0.5, 1.0, 1.0, 1.0]);

        var need = new BlackBoxProvisioner().EstimateNeed(Vm(cpuCores: 1), HostCapacity, history);

        Assert.Equal(1.25, need.CpuCores, 9);
    }

    [Fact]
    public void EstimateNeed_PinnedOnlyTwice_DoesNotGrow()
    {
        var history = TestHistories.Of([0.5, 0.5, 0.5, 0.5, 1.0, 1.0]);

        var need = new BlackBoxProvisioner().EstimateNeed(Vm(cpuCores: 1), HostCapacity, history);

        Assert.True(need.CpuCores <= 1, $"need {need.CpuCores}");
    }

    [Fact]
    public void EstimateNeed_Swapping_GrowsMemoryByTheSwapGrowthFraction()
    {
        var history = TestHistories.Of([0.5, 0.5], swap: [0, 30.0]);

        var need = new BlackBoxProvisioner().EstimateNeed(Vm(memoryMiB: 1024), HostCapacity, history);

        Assert.Equal(1280, need.MemoryMiB, 9);
    }

    [Fact]
    public void EstimateNeed_IgnoresGrayBoxStatistics()
    {
        var history = new UsageHistory(12);
        history.Add(new UsageSample(new ResourceVector(0.5, 1024, 0)), new GuestMemoryStats(1024, 3000, 0, 0), null);

        var need = new BlackBoxProvisioner().EstimateNeed(Vm(memoryMiB: 1024), HostCapacity, history);

        Assert.Equal(1024, need.MemoryMiB, 9);
    }

    [Fact]
    public void Constructor_RejectsPercentileAbove100()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlackBoxProvisioner(new ProvisioningOptions { Percentile = 120 }));
    }
}
