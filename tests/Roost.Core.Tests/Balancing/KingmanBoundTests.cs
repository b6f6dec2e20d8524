using Roost.Core.Balancing;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Balancing;

public sealed class KingmanBoundTests
{
    [Fact]
    public void MaxArrivalRate_HandComputed()
    {
        // [0.1 + (0.01 + 0.01) / (2 · (0.2 − 0.1))]⁻¹ = [0.1 + 0.1]⁻¹ = 5 requests/s.
        var rate = KingmanBound.MaxArrivalRate(meanServiceSeconds: 0.1, serviceVarianceSeconds2: 0.01, interArrivalVarianceSeconds2: 0.01, targetResponseSeconds: 0.2);

        Assert.Equal(5, rate, 9);
    }

    [Fact]
    public void MaxArrivalRate_ServiceSlowerThanTarget_IsZero()
    {
        Assert.Equal(0, KingmanBound.MaxArrivalRate(0.3, 0, 0, 0.2));
    }

    [Fact]
    public void RequiredCpuCores_Deterministic_IsArrivalRateTimesWork()
    {
        // No variance: λcap = 1/s, so 15 req/s of 0.1 s at 1 core needs s = 1/15, i.e. 1.5 cores.
        var stats = new ApplicationStats(15, 0.1, 0, 0, 0.2, MeasuredAtCpuCores: 1);

        Assert.Equal(1.5, KingmanBound.RequiredCpuCores(stats), 6);
    }

    [Fact]
    public void RequiredCpuCores_VmPinnedAtCapWithGrowingQueue_NeedsMoreThanItsCap()
    {
        // 16 req/s of 0.1 s at 1 core: ρ = 1.6, the queue grows without bound.
        var stats = new ApplicationStats(16, 0.1, 0.01, Math.Pow(1.0 / 16, 2), 0.5, MeasuredAtCpuCores: 1);

        var cores = KingmanBound.RequiredCpuCores(stats);

        Assert.InRange(cores, 1.6, 2.0);
        var speedUp = cores / stats.MeasuredAtCpuCores;
        Assert.True(KingmanBound.MaxArrivalRate(0.1 / speedUp, 0.01 / (speedUp * speedUp), stats.InterArrivalVarianceSeconds2, 0.5) >= 16 - 1e-6);
        var less = speedUp * 0.99;
        Assert.True(KingmanBound.MaxArrivalRate(0.1 / less, 0.01 / (less * less), stats.InterArrivalVarianceSeconds2, 0.5) < 16);
    }

    [Fact]
    public void RequiredCpuCores_ArrivalVarianceAloneBreaksTarget_IsInfinite()
    {
        // λ ≥ 2d/σa² = 2 · 0.1 / 0.1 = 2.
        var stats = new ApplicationStats(3, 0.01, 0, 0.1, 0.1, 1);

        Assert.Equal(double.PositiveInfinity, KingmanBound.RequiredCpuCores(stats));
    }

    [Fact]
    public void RequiredCpuCores_NoArrivals_IsZero()
    {
        Assert.Equal(0, KingmanBound.RequiredCpuCores(new ApplicationStats(0, 0.1, 0, 0, 0.5, 1)));
    }
}
