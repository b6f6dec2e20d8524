using Roost.Simulation.Workloads;
using Xunit.Abstractions;

namespace Roost.Simulation.Tests.Workloads;

public sealed class SyntheticWorkloadTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(-7)]
    public void Generate_DefaultSize_ResemblesPlanetLab20110303(int seed)
    {
        var workload = SyntheticWorkload.Generate(seed);

        var stats = CpuStatistics.Of(workload);

        output.WriteLine($"seed {seed}: {stats} (PlanetLab 20110303: 1052 VMs, mean 12.31 %, sd 17.09 %, quartiles 2/6/15 %)");
        Assert.Equal(1052, stats.Vms);
        Assert.InRange(stats.MeanPercent, 12.31 - 2, 12.31 + 2);
        Assert.InRange(stats.SdPercent, 17.09 - 3, 17.09 + 3);
        Assert.InRange(stats.Q1Percent, 1, 3);
        Assert.InRange(stats.MedianPercent, 5, 7);
        Assert.InRange(stats.Q3Percent, 14, 16);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Generate_SameSeed_SameTraces(int seed)
    {
        var first = SyntheticWorkload.Generate(seed, vmCount: 300, steps: 50);
        var second = SyntheticWorkload.Generate(seed, vmCount: 300, steps: 50);
        var other = SyntheticWorkload.Generate(seed + 1, vmCount: 300, steps: 50);

        Assert.Equal(first.Vms.SelectMany(v => v.Cpu), second.Vms.SelectMany(v => v.Cpu));
        Assert.NotEqual(first.Vms.SelectMany(v => v.Cpu), other.Vms.SelectMany(v => v.Cpu));
    }

    [Fact]
    public void Generate_Values_AreWholePercentsBelow100()
    {
        var workload = SyntheticWorkload.Generate(9, vmCount: 2000);

        var percents = workload.Vms.SelectMany(v => v.Cpu).Select(c => c * 100).ToArray();

        // One check over the 576,000 samples, naming the first offender (Assert.All would build a result per sample).
        var offender = Array.FindIndex(percents, p => Math.Abs(Math.Round(p) - p) > 1e-9);
        Assert.True(offender < 0, offender < 0 ? "" : $"sample {offender}: {percents[offender]} is not a whole percent");
        Assert.InRange(percents.Min(), 0, 0);
        Assert.InRange(percents.Max(), 90, 99);
    }
}
