using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter;

public sealed class PlacementWarningsTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    /// <summary>Bitbrains-like VMs: two with 2926 MHz cores (faster than the Bitbrains fleet's 2600), one of 2000 MHz, one of 600 000 MiB.</summary>
    private static Workload Shaped() => new("shaped", _interval,
    [
        new VmTrace("fast-a", [0.2, 0.2, 0.2, 0.2], Shape: new VmTraceShape(1, 2926, 1024)),
        new VmTrace("fast-b", [0.2, 0.2, 0.2, 0.2], Shape: new VmTraceShape(2, 5852, 1024)),
        new VmTrace("slow", [0.2, 0.2, 0.2, 0.2], Shape: new VmTraceShape(1, 2000, 1024)),
        new VmTrace("huge", [0.2, 0.2, 0.2, 0.2], Shape: new VmTraceShape(4, 8000, 600_000)),
    ]);

    private static SimulationResult Run(DataCenterSetup setup, string policy)
    {
        Assert.True(SimulatedPolicy.TryParse(policy, _interval, out var parsed, out var error), error);
        return DataCenterSimulator.Run(Shaped(), setup with { Duration = _interval * 4 }, parsed);
    }

    [Fact]
    public void Baseline_VmsThatNeverRun_AreCountedWithTheirCauses()
    {
        var result = Run(DataCenterSetup.Bitbrains(hostCount: 2), "lr-mmt-1.2");

        Assert.Equal(3, result.UnplacedVms);
        var warning = Assert.Single(result.Warnings);
        Assert.StartsWith("3 of 4 VMs never ran", warning, StringComparison.Ordinal);
        Assert.Contains("2 have virtual cores faster than the fastest host core (up to 2926 MIPS, above 2600 MIPS)", warning, StringComparison.Ordinal);
        Assert.Contains("1 need more memory than any host has (262144 MiB)", warning, StringComparison.Ordinal);
        Assert.Contains("\"warnings\": [", SimulationResultJson.Write([result]), StringComparison.Ordinal);
    }

    [Fact]
    public void Sandpiper_SaysWhichVmsOnlyItRunsAndWhichItPlacedWithoutRoom()
    {
        var result = Run(DataCenterSetup.Bitbrains(hostCount: 2), "sandpiper");

        Assert.Equal(2, result.Warnings.Count);
        Assert.StartsWith("1 of 4 VMs fit no host with room at t = 0", result.Warnings[0], StringComparison.Ordinal);
        Assert.StartsWith("2 of 4 VMs have virtual cores faster than the fastest host core", result.Warnings[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lr-mmt-1.2")]
    [InlineData("sandpiper")]
    public void FleetEveryVmFits_WarnsOfNothing(string policy)
    {
        var result = Run(DataCenterSetup.BitbrainsFit(hostCount: 2), policy);

        Assert.Equal(0, result.UnplacedVms);
        Assert.Empty(result.Warnings);
        Assert.DoesNotContain("warnings", SimulationResultJson.Write([result]), StringComparison.Ordinal);
    }
}
