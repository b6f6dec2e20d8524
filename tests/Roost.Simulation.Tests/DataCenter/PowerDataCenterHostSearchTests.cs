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

    private static SimulationResult Run(string policy, int seed, bool plainHostScan, bool scalarLeafScan = false)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 400, steps: 144);
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 240, seed: seed) with { Duration = TimeSpan.FromHours(12) };
        return new PowerDataCenter(workload, setup, Policy(policy), plainHostScan, scalarLeafScan).Run(workload.Name, progress: null);
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

    [Theory]
    [InlineData("lr-mmt-1.2", 1)]
    [InlineData("mad-mc-2.5", 2)]
    [InlineData("thr-mu-0.8", 3)]
    public void HostUpdatesOnEveryCore_GiveTheSerialResults_BitForBit(string policy, int seed)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 400, steps: 144);
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 240, seed: seed) with { Duration = TimeSpan.FromHours(12) };
        var parallel = new PowerDataCenter(workload, setup, Policy(policy), parallelHostThreshold: 1).Run(workload.Name, progress: null);
        var serial = new PowerDataCenter(workload, setup, Policy(policy), parallelHostThreshold: int.MaxValue).Run(workload.Name, progress: null);

        Assert.True(serial.Migrations > 0, $"{policy} seed {seed}: no migrations");
        Assert.Equal(
            (serial.EnergyKwh, serial.Migrations, serial.SlatahPercent, serial.PdmPercent, serial.HostShutdowns, serial.OverloadHostSeconds),
            (parallel.EnergyKwh, parallel.Migrations, parallel.SlatahPercent, parallel.PdmPercent, parallel.HostShutdowns, parallel.OverloadHostSeconds));
        Assert.Equal(serial.ActiveHosts.Values, parallel.ActiveHosts.Values);
    }

    [Theory]
    [InlineData("lr-mmt-1.2", 1)]
    [InlineData("thr-mmt-0.8", 4)]
    [InlineData("iqr-mu-1.5", 6)]
    public void VectorLeafScan_GivesTheResultsOfTheScalarLeafScan_BitForBit(string policy, int seed)
    {
        var vector = Run(policy, seed, plainHostScan: false);
        var scalar = Run(policy, seed, plainHostScan: false, scalarLeafScan: true);

        Assert.True(scalar.Migrations > 0, $"{policy} seed {seed}: no migrations, so the host search was not exercised");
        Assert.Equal(
            (scalar.EnergyKwh, scalar.Migrations, scalar.SlatahPercent, scalar.PdmPercent, scalar.HostShutdowns),
            (vector.EnergyKwh, vector.Migrations, vector.SlatahPercent, vector.PdmPercent, vector.HostShutdowns));
        Assert.Equal(scalar.ActiveHosts.Values, vector.ActiveHosts.Values);
    }
}
