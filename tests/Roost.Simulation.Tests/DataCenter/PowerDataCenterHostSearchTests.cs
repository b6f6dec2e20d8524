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

    private static SimulationResult Run(string policy, int seed, bool plainHostScan)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 400, steps: 144);
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 240, seed: seed) with { Duration = TimeSpan.FromHours(12) };
        return new PowerDataCenter(workload, setup, Policy(policy), plainHostScan).Run(workload.Name, progress: null);
    }

    [Theory]
    [InlineData("lr-mmt-1.2", 1)]
    [InlineData("lr-mc-1.2", 2)]
    [InlineData("lrr-mmt-1.2", 3)]
    [InlineData("thr-mmt-0.8", 4)]
    [InlineData("thr-rs-1.0", 5)]
    [InlineData("iqr-mu-1.5", 6)]
    [InlineData("mad-mmt-2.5", 7)]
    public void SearchTrees_GiveTheResultsOfThePlainScan_BitForBit(string policy, int seed)
    {
        var indexed = Run(policy, seed, plainHostScan: false);
        var scanned = Run(policy, seed, plainHostScan: true);

        Assert.True(scanned.Migrations > 0, $"{policy} seed {seed}: no migrations, so the host search was not exercised");
        Assert.Equal(
            (scanned.EnergyKwh, scanned.Migrations, scanned.SlatahPercent, scanned.PdmPercent, scanned.HostShutdowns),
            (indexed.EnergyKwh, indexed.Migrations, indexed.SlatahPercent, indexed.PdmPercent, indexed.HostShutdowns));
        Assert.Equal(scanned.ActiveHosts.Values, indexed.ActiveHosts.Values);
    }
}
