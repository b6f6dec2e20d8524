using Roost.Core.Balancing.Consolidation;
using Roost.Core.Model;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter;

public sealed class DataCenterSimulatorTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);
    private static readonly VmType _small = new("small", 500, 1, 613, 100);

    private static DataCenterSetup TwoHosts(TimeSpan duration) =>
        new(2, [HostType.HpProLiantMl110G4, HostType.HpProLiantMl110G5], [_small], _interval, duration, Seed: 1);

    private static Workload Constant(params double[][] vms) =>
        new("test", _interval, vms.Select((cpu, i) => new VmTrace($"vm{i}", cpu)).ToList());

    private static ConsolidationPolicy Policy(string name)
    {
        Assert.True(ConsolidationPolicy.TryParse(name, _interval, out var policy, out var error), error);
        return policy;
    }

    [Theory]
    [InlineData("lr-mmt-1.2")]
    [InlineData("dvfs")]
    [InlineData("npa")]
    public void Run_MoreVmsThanFit_CountsTheOnesLeftOut(string policy)
    {
        // Each host has 4096 MiB and each VM books 613 MiB while it is created: RAM runs out first (CPU would take 7
        // and 10, bandwidth 10), so 6 VMs fit per host, 12 in all, and 8 of 20 do not.
        var workload = Constant(Enumerable.Range(0, 20).Select(_ => new[] { 0.01, 0.01, 0.01 }).ToArray());

        var result = DataCenterSimulator.Run(workload, TwoHosts(TimeSpan.FromSeconds(900)), Policy(policy));

        Assert.Equal(20, result.Vms);
        Assert.Equal(8, result.UnplacedVms);
    }

    [Fact]
    public void Run_EveryVmFits_LeavesNoneOut()
    {
        var result = DataCenterSimulator.Run(Constant([0.5, 0.5], [0.2, 0.2]), TwoHosts(TimeSpan.FromSeconds(600)), Policy("lr-mmt-1.2"));

        Assert.Equal(0, result.UnplacedVms);
    }

    [Fact]
    public void Run_Npa_ChargesEveryHostFullPowerUntilTheLastTick()
    {
        // Ticks at 300.1, 600.1, 900.1 (the next, 1200.1, is past the 1200 s limit).
        // NPA: (117 W + 135 W) for 900.1 s = 226 825.2 W·s = 0.0630070 kWh.
        var workload = Constant([0.5, 0.5, 0.5, 0.5]);

        var result = DataCenterSimulator.Run(workload, TwoHosts(TimeSpan.FromSeconds(1200)), Policy("npa"));

        Assert.Equal(252 * 900.1 / 3.6e6, result.EnergyKwh, 9);
        Assert.Equal(0, result.Migrations);
    }

    [Fact]
    public void Run_DvfsOneSteadyVm_IntegratesPowerOfItsHostOnly()
    {
        // The VM (500 MIPS at 50 % = 250 MIPS) lands on host 0 (G4, 3720 MIPS) by first fit: u = 250/3720 = 0.0672043.
        // G4 between 0 % (86 W) and 10 % (89.4 W): 86 + 3.4 · 0.672043 = 88.284946 W. The first frame (0 → 300.1 s)
        // counts nothing (the host was off before its first update); then two frames of 300 s each.
        var workload = Constant([0.5, 0.5, 0.5, 0.5]);
        var watts = 86 + (3.4 * (250.0 / 3720 / 0.1));

        var result = DataCenterSimulator.Run(workload, TwoHosts(TimeSpan.FromSeconds(1200)), Policy("dvfs"));

        Assert.Equal(watts * 600 / 3.6e6, result.EnergyKwh, 9);
    }

    [Fact]
    public void Run_VmWhoseDemandFallsToZero_LeavesTheDataCenter()
    {
        // Samples 1 and 2 (300 s and 600 s) are zero, so at 300.1 s the VM requests exactly 0 MIPS and finishes
        // (CloudSim's getCompletedVms): its host draws nothing afterwards, and no frame is ever charged.
        var workload = Constant([0, 0, 0, 0.9, 0.9]);

        var result = DataCenterSimulator.Run(workload, TwoHosts(TimeSpan.FromSeconds(1200)), Policy("dvfs"));

        Assert.Equal(0, result.EnergyKwh, 12);
        Assert.Equal(0, result.ActiveHosts.Values.Sum());
    }

    [Fact]
    public void Run_OverloadedHost_MigratesToTheOtherHost()
    {
        // Two 500-MIPS VMs on a fleet of one G4 (3720 MIPS) and one G5 (5320 MIPS), threshold 10 %.
        // Power-aware placement at t = 0 puts each VM on its own host. At 300.1 s each VM asks ~475 MIPS:
        // 475/3720 = 12.8 % > 10 % and 475/5320 = 8.9 % < 10 %, so only host 0 is overloaded, and its VM cannot go to
        // host 1 without overloading it (950/5320 = 17.9 %): no migration; host 0 stays overloaded all day.
        var workload = Constant([0.95, 0.95, 0.95, 0.95], [0.95, 0.95, 0.95, 0.95]);

        var result = DataCenterSimulator.Run(workload, TwoHosts(TimeSpan.FromSeconds(1200)), Policy("thr-mmt-0.1"));

        Assert.Equal(0, result.Migrations);
        Assert.Equal(2, result.ActiveHosts.Values[0]);
    }

    [Fact]
    public void Run_UnderloadedHost_IsEvacuatedAndSwitchedOff()
    {
        // Two light VMs start on separate hosts; underload consolidation moves the one on the less utilised host
        // to the other, after which one host is idle.
        var workload = Constant([0.1, 0.1, 0.1, 0.1, 0.1], [0.1, 0.1, 0.1, 0.1, 0.1]);

        var result = DataCenterSimulator.Run(workload, TwoHosts(TimeSpan.FromSeconds(1500)), Policy("thr-mmt-0.8"));

        Assert.Equal(1, result.Migrations);
        Assert.Equal(2, result.ActiveHosts.Values[0]);
        Assert.Equal(1, result.ActiveHosts.Values[^1]);
    }

    [Theory]
    [InlineData("lr-mmt-1.2", 3)]
    [InlineData("iqr-mc-1.5", 4)]
    [InlineData("thr-rs-0.8", 5)]
    public void Run_Twice_GivesIdenticalResults(string policy, int seed)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 120, steps: 48);
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 80, seed: seed) with { Duration = TimeSpan.FromHours(4) };

        var first = DataCenterSimulator.Run(workload, setup, Policy(policy));
        var second = DataCenterSimulator.Run(workload, setup, Policy(policy));

        Assert.Equal(
            (first.EnergyKwh, first.Migrations, first.SlatahPercent, first.PdmPercent, first.HostShutdowns),
            (second.EnergyKwh, second.Migrations, second.SlatahPercent, second.PdmPercent, second.HostShutdowns));
        Assert.Equal(first.ActiveHosts.Values, second.ActiveHosts.Values);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Run_RandomWorkload_ConsolidationNeverUsesMoreEnergyThanDvfs(int seed)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 150, steps: 36);
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 120, seed: seed) with { Duration = TimeSpan.FromHours(3) };

        var dvfs = DataCenterSimulator.Run(workload, setup, Policy("dvfs"));
        var consolidated = DataCenterSimulator.Run(workload, setup, Policy("thr-mmt-0.8"));

        Assert.True(consolidated.EnergyKwh < dvfs.EnergyKwh, $"seed {seed}: {consolidated.EnergyKwh} kWh ≥ DVFS {dvfs.EnergyKwh} kWh");
        Assert.InRange(consolidated.SlatahPercent, 0, 100);
        Assert.InRange(consolidated.PdmPercent, 0, 100);
    }
}
