using Roost.Core.Model;
using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter;

/// <summary>
/// <c>--memory reserved</c>: a fleet where memory binds (each host holds two VMs' RAM but four VMs' CPU), so CloudSim's
/// own accounting, which forgets RAM after creation, packs hosts beyond their memory, and reserved accounting must not.
/// </summary>
public sealed class MemoryAccountingTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    // 2 × 1000 MIPS, 4096 MiB; VMs of 1 × 500 MIPS and 2048 MiB: RAM allows 2 per host, CPU 4.
    private static readonly HostType _host = new("small host", 2, 1000, 4096, 1000, new LinearPowerModel(200, 0.5));
    private static readonly VmType _vm = new("half host", 500, 1, 2048, 100);

    private static DataCenterSetup Setup(MemoryAccounting memory) =>
        new(6, [_host], [_vm], _interval, _interval * 48, Seed: 1) { Memory = memory };

    /// <summary>10 VMs on 6 hosts for 4 h: demand drawn per VM from quiet to busy, so hosts both overload and underload.</summary>
    private static Workload Workload(int seed)
    {
        var random = new Random(seed);
        var vms = Enumerable.Range(0, 10).Select(i =>
        {
            var level = random.NextDouble();
            var cpu = Enumerable.Range(0, 49).Select(_ => Math.Clamp(0.05 + (level * 0.9 * random.NextDouble()), 0.01, 1)).ToArray();
            return new VmTrace($"vm{i}", cpu);
        }).ToList();
        return new Workload($"memory-binds-{seed}", _interval, vms);
    }

    private static SimulatedPolicy Policy(string name)
    {
        Assert.True(SimulatedPolicy.TryParse(name, _interval, out var policy, out var error), error);
        return policy;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void CloudSimAccounting_ConsolidatesBeyondMemory(int seed)
    {
        var result = DataCenterSimulator.Run(Workload(seed), Setup(MemoryAccounting.CloudSim), Policy("lr-mmt-1.2"));

        Assert.Equal(0, result.UnplacedVms);
        Assert.True(result.Migrations > 0, $"seed {seed}: no migrations");
        Assert.True(result.MemoryOvercommitHostSeconds > 0, $"seed {seed}: memory never bound, so this scenario tests nothing");
    }

    [Theory]
    [InlineData(1, "thr-mmt-0.8")]
    [InlineData(2, "iqr-mmt-1.5")]
    [InlineData(3, "mad-mmt-2.5")]
    [InlineData(1, "lr-mmt-1.2")]
    [InlineData(2, "lrr-mmt-1.2")]
    [InlineData(3, "thr-mu-0.8")]
    [InlineData(1, "thr-rs-0.8")]
    [InlineData(2, "thr-mc-0.8")]
    [InlineData(3, "dvfs")]
    [InlineData(1, "npa")]
    [InlineData(2, "sandpiper")]
    [InlineData(3, "sandpiper+consolidate")]
    [InlineData(1, "sandpiper-graybox+consolidate")]
    public void ReservedAccounting_EveryPolicyHonoursMemory(int seed, string policy)
    {
        var result = DataCenterSimulator.Run(Workload(seed), Setup(MemoryAccounting.Reserved), Policy(policy));

        Assert.Equal(0, result.UnplacedVms);
        Assert.Empty(result.Warnings);
        Assert.Equal(MemoryAccounting.Reserved, result.Memory);
        Assert.True(result.MemoryOvercommitHostSeconds == 0, $"seed {seed}, {policy}: {result.MemoryOvercommitHostSeconds} host-s over memory");
    }

    [Fact]
    public void ReservedAccounting_KeepsMoreHostsOnThanCloudSims()
    {
        var workload = Workload(1);

        var cloudSim = DataCenterSimulator.Run(workload, Setup(MemoryAccounting.CloudSim), Policy("lr-mmt-1.2"));
        var reserved = DataCenterSimulator.Run(workload, Setup(MemoryAccounting.Reserved), Policy("lr-mmt-1.2"));

        // Five hosts' RAM is needed for ten VMs all day under reservations; CloudSim's accounting packs them tighter.
        Assert.True(reserved.EnergyKwh > cloudSim.EnergyKwh, $"reserved {reserved.EnergyKwh} kWh, CloudSim {cloudSim.EnergyKwh} kWh");
        Assert.True(reserved.ActiveHosts.Values.All(active => active >= 5), "fewer than five hosts held ten VMs of half a host's RAM");
    }

    [Theory]
    [InlineData(MemoryAccounting.CloudSim, 1)]
    [InlineData(MemoryAccounting.Reserved, 0)]
    public void AVmIdleAtZero_LeavesUnderCloudSims_RunsOnUnderReserved(MemoryAccounting memory, int leaving)
    {
        // vm0 asks for nothing from its 10th sample on; the others stay busy.
        var vms = Enumerable.Range(0, 4).Select(i => new VmTrace($"vm{i}", [.. Enumerable.Range(0, 49).Select(t => i == 0 && t >= 10 ? 0.0 : 0.5)])).ToList();

        string[] notes = leaving == 0 ? [] : [$"{leaving} of 4 VMs left the data center before the end when their demand fell to exactly 0 (as CloudSim has it)"];

        var result = DataCenterSimulator.Run(new Workload("idle-vm", _interval, vms), Setup(memory), Policy("lr-mmt-1.2"));

        Assert.Equal(0, result.UnplacedVms);
        Assert.Equal(notes, result.Notes);
    }
}
