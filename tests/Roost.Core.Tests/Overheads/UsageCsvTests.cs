using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class UsageCsvTests
{
    [Fact]
    public void Profile_ColumnsInAnyOrder_CommentsAndBlankLinesSkipped()
    {
        string[] lines = ["# app trace", "net_tx_bytes_per_s, time_s ,cpu_user_pct", "", "100,0,12.5", "200,5,13"];

        var profile = UsageCsv.ParseProfile(lines, "app.csv");

        Assert.Equal([0.0, 5], profile.TimesSeconds);
        Assert.Equal([NativeMetric.CpuUserPct, NativeMetric.NetTxBytesPerS], profile.Columns);
        Assert.Equal(13, profile.Samples[1][NativeMetric.CpuUserPct]);
        Assert.Equal(200, profile.Samples[1][NativeMetric.NetTxBytesPerS]);
        Assert.Equal(0, profile.Samples[1][NativeMetric.CpuSystemPct]);
    }

    [Theory]
    [InlineData("time_s,cpu_user_pct\n0,NaN", "app.csv: line 2: cpu_user_pct: 'NaN' is not a finite number ≥ 0")]
    [InlineData("time_s,cpu_user_pct\n0,-1", "app.csv: line 2: cpu_user_pct: '-1' is not a finite number ≥ 0")]
    [InlineData("time_s,cpu_user_pct\n0,1,2", "app.csv: line 2: 3 fields, but the header has 2")]
    [InlineData("time_s,cpu_usr_pct\n0,1", "app.csv: line 1: unknown column 'cpu_usr_pct'")]
    [InlineData("time_s,cpu_user_pct\n0,\u001b[31m", "app.csv: line 2: cpu_user_pct: '?[31m' is not a finite number ≥ 0")]
    [InlineData("cpu_user_pct\n1", "app.csv: line 1: the header has no time_s column")]
    [InlineData("time_s\n1", "app.csv: line 1: the header names no native metric")]
    [InlineData("time_s,cpu_user_pct,time_s\n1,1,1", "app.csv: line 1: column 'time_s' appears twice")]
    [InlineData("time_s,cpu_user_pct\n5,1\n5,2", "app.csv: line 3: time_s: 5 does not follow 5")]
    [InlineData("time_s,cpu_user_pct", "app.csv: no samples")]
    [InlineData("", "app.csv: no samples")]
    public void Profile_BadInput_IsOneLineNamingFileLineAndColumn(string text, string expected)
    {
        var error = Assert.Throws<OverheadFormatException>(() => UsageCsv.ParseProfile(text.Split('\n'), "app.csv"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Samples_ReadBenchmarkMetricsAndMeasuredCpu()
    {
        string[] lines = ["benchmark,time_s,cpu_user_pct,disk_reads_per_s,guest_cpu_pct,emulation_cpu_pct", "cpu-50,0,50,0,52,1", "disk-4k,0,3,800,5,12.5"];

        var (samples, metrics) = UsageCsv.ParseSamples(lines, "s.csv");

        Assert.Equal([NativeMetric.CpuUserPct, NativeMetric.DiskReadsPerS], metrics);
        Assert.Equal("disk-4k", samples[1].Benchmark);
        Assert.Equal(800, samples[1].Native[NativeMetric.DiskReadsPerS]);
        Assert.Equal(new VirtualCpu(5, 12.5), samples[1].Virtual);
    }

    [Theory]
    [InlineData("benchmark,cpu_user_pct,guest_cpu_pct\nb,1,1", "s.csv: line 1: the header has no emulation_cpu_pct column")]
    [InlineData("benchmark,cpu_user_pct,guest_cpu_pct,emulation_cpu_pct\n,1,1,1", "s.csv: line 2: benchmark: expected a name")]
    [InlineData("benchmark,cpu_user_pct,guest_cpu_pct,emulation_cpu_pct\nb\u202Ex,1,1,1", "s.csv: line 2: benchmark: expected a name of 1–200 printable characters")]
    [InlineData("benchmark,cpu_user_pct,guest_cpu_pct,emulation_cpu_pct\nb,1,inf,1", "s.csv: line 2: guest_cpu_pct: 'inf' is not a finite number ≥ 0")]
    public void Samples_BadInput_IsOneLine(string text, string expected)
    {
        var error = Assert.Throws<OverheadFormatException>(() => UsageCsv.ParseSamples(text.Split('\n'), "s.csv"));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VirtualTrace_HasOneLinePerSample_WithTheTotal()
    {
        var text = UsageCsv.FormatVirtualTrace([0, 5], [new VirtualCpu(58, 2.5), new VirtualCpu(1.0 / 3, 0)]);

        Assert.Equal("time_s,guest_cpu_pct,emulation_cpu_pct,virtual_cpu_pct\n0,58,2.5,60.5\n5,0.333333,0,0.333333\n", text);
    }
}
