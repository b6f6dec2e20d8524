using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter;

public sealed class PowerDataCenterHostSearchTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    private static ConsolidationPolicy Policy(string name)
    {
        Assert.True(ConsolidationPolicy.TryParse(name, _interval, out var policy, out var error), error);
        return policy;
    }

    private static SimulationResult Run(string policy, int seed, int parallelHostThreshold = int.MaxValue)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 400, steps: 144);
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 240, seed: seed) with { Duration = TimeSpan.FromHours(12) };
        var options = new PowerDataCenterOptions
        {
            ParallelHostThreshold = parallelHostThreshold,
        };
        return new PowerDataCenter(workload, setup, Policy(policy), options).Run(workload.Name, progress: null);
    }

    /// <summary>Two ways of running the same simulation agree on every figure, bit for bit, and the search was used.</summary>
    private static void AssertSameResults(SimulationResult expected, SimulationResult actual, string context)
    {
        Assert.True(expected.Migrations > 0, $"{context}: no migrations, so the host search was not exercised");
        Assert.Equal(
            (expected.EnergyKwh, expected.Migrations, expected.SlatahPercent, expected.PdmPercent, expected.HostShutdowns, expected.OverloadHostSeconds),
            (actual.EnergyKwh, actual.Migrations, actual.SlatahPercent, actual.PdmPercent, actual.HostShutdowns, actual.OverloadHostSeconds));
        Assert.Equal(expected.ActiveHosts.Values, actual.ActiveHosts.Values);
    }

    [Theory]
    [InlineData("lr-mmt-1.2", 1)]
    [InlineData("mad-mc-2.5", 2)]
    [InlineData("thr-mu-0.8", 3)]
    public void HostUpdatesOnEveryCore_GiveTheSerialResults_BitForBit(string policy, int seed)
    {
        var parallel = Run(policy, seed, parallelHostThreshold: 1);
        var serial = Run(policy, seed);

        AssertSameResults(serial, parallel, $"{policy} seed {seed}");
    }
}
