using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class PredictionErrorsTests
{
    private static readonly CpuModelSummary _summary = new(0, 0, [], 0, true, 0, 0, 0, 0);

    // guest = 10 + cpu_user_pct; emulation = 0.01 · net_rx_packets_per_s
    private static readonly OverheadModel _model = new(
        new PlatformDescription("p", ""),
        OverheadFitOptions.Default,
        new OverheadTraining(0, [], NativeMetrics.All),
        new CpuModel(10, [new ModelTerm(NativeMetric.CpuUserPct, 1, 0, 0)], _summary),
        new CpuModel(0, [new ModelTerm(NativeMetric.NetRxPacketsPerS, 0.01, 0, 0)], _summary));

    private static BenchmarkSample Sample(string name, double user, double packets, double guest, double emulation) =>
        new(name, NativeUsage.Of((NativeMetric.CpuUserPct, user), (NativeMetric.NetRxPacketsPerS, packets)), new VirtualCpu(guest, emulation));

    [Fact]
    public void Of_GroupsByApplication_AndTakesMedianAndNearestRankP90OfRelativeErrors()
    {
        // web: predicted guest 20 each; measured 20, 25, 16, 40 → errors 0 %, 20 %, 25 %, 50 %.
        // predicted emulation 10 each; measured 10, 10, 10, 0.5 → 0, 0, 0; the last (under 1 % of a core) is left out.
        BenchmarkSample[] samples =
        [
            Sample("web-100", 10, 1000, 20, 10), Sample("web-100", 10, 1000, 25, 10),
            Sample("web-200", 10, 1000, 16, 10), Sample("web-200", 10, 1000, 40, 0.5),
            Sample("db-5", 0, 0, 12.5, 0),
        ];

        var errors = PredictionErrors.Of(_model, samples);

        Assert.Equal(["db", "web"], errors.Select(e => e.Application));
        var web = errors[1];
        Assert.Equal(4, web.Samples);
        Assert.Equal(22.5, web.Guest.MedianPct, 9);
        Assert.Equal(50, web.Guest.P90Pct, 9);
        Assert.Equal(new ErrorSummary(0, 0, 3, 1), web.Emulation);
        Assert.Equal(20, errors[0].Guest.MedianPct, 9);
        Assert.Equal(0, errors[0].Emulation.Counted);
        Assert.True(double.IsNaN(errors[0].Emulation.MedianPct));
    }

    [Theory]
    [InlineData("web-100", "web")]
    [InlineData("udp-rx-512-1000", "udp-rx-512")]
    [InlineData("cpu", "cpu")]
    public void ApplicationOf_IsTheNameUpToTheLastDash(string workload, string application) =>
        Assert.Equal(application, PredictionErrors.ApplicationOf(workload));

    [Fact]
    public void FormatSamples_IsReadBackByParseSamples()
    {
        BenchmarkSample[] samples = [Sample("web-100", 1.5, 800, 47.25, 9), Sample("db-5", 2, 0, 27, 2)];

        var text = UsageCsv.FormatSamples([1, 2], samples);
        var (read, metrics) = UsageCsv.ParseSamples(text.Split('\n'), "s.csv");

        Assert.Equal(NativeMetrics.All, metrics);
        Assert.Equal(samples.Select(s => (s.Benchmark, s.Virtual)), read.Select(s => (s.Benchmark, s.Virtual)));
        Assert.Equal(800, read[0].Native[NativeMetric.NetRxPacketsPerS]);
        Assert.Throws<ArgumentException>(() => UsageCsv.FormatSamples([1], [Sample("a,b", 0, 0, 0, 0)]));
    }
}
