using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class OverheadModelTests
{
    private static readonly CpuModelSummary _summary = new(0, 0, [], 0, true, 0, 0, 0, 0);

    private static OverheadModel Known(double guestIntercept = 2) => new(
        new PlatformDescription("p", ""),
        OverheadFitOptions.Default,
        new OverheadTraining(0, [], NativeMetrics.All),
        new CpuModel(
            guestIntercept,
            [new ModelTerm(NativeMetric.CpuUserPct, 1.1, 0, 0), new ModelTerm(NativeMetric.NetRxPacketsPerS, 0.001, 0, 0)],
            _summary),
        new CpuModel(0.5, [new ModelTerm(NativeMetric.DiskWritesPerS, 0.02, 0, 0)], _summary));

    [Fact]
    public void Predict_AppliesTheCoefficients()
    {
        // guest = 2 + 1.1·50 + 0.001·1000 = 58; emulation = 0.5 + 0.02·100 = 2.5; the unused metric (iowait) is ignored.
        var usage = NativeUsage.Of((NativeMetric.CpuUserPct, 50), (NativeMetric.NetRxPacketsPerS, 1000), (NativeMetric.DiskWritesPerS, 100), (NativeMetric.CpuIowaitPct, 30));

        var predicted = Known().Predict(usage);

        Assert.Equal(58, predicted.GuestPct, 1e-12);
        Assert.Equal(2.5, predicted.EmulationPct, 1e-12);
        Assert.Equal(60.5, predicted.TotalPct, 1e-12);
    }

    [Fact]
    public void Predict_ClampsNegativeCpuAtZero()
    {
        var predicted = Known(guestIntercept: -3).Predict(NativeUsage.Of());

        Assert.Equal(0, predicted.GuestPct);
        Assert.Equal(0.5, predicted.EmulationPct);
    }

    [Fact]
    public void Metrics_AreTheUnionOfBothModels_InMetricOrder()
    {
        Assert.Equal([NativeMetric.CpuUserPct, NativeMetric.NetRxPacketsPerS, NativeMetric.DiskWritesPerS], Known().Metrics);
    }
}
