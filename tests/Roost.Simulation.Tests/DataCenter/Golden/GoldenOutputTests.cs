using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.Baselines;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Tests.Workloads;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter.Golden;

/// <summary>
/// The simulator's outputs on small and medium fleets, compared byte for byte with the JSON committed beside this file
/// (the layout of <c>roost simulate --json</c>, numbers in round-trip form). Every change to the simulator's speed must
/// leave them unchanged; a change of results is made visible by regenerating them with
/// <c>tests/Roost.Simulation.Tests/DataCenter/Golden/update-golden.sh</c>, which prints the diff.
/// The PlanetLab files are read from ../shared/traces (never committed); without them those cases skip visibly.
/// </summary>
public sealed class GoldenOutputTests
{
    /// <summary>Every detector with every selector, at the parameters of the CCPE 2012 paper, plus npa and dvfs.</summary>
    private static readonly string[] _everyPolicy =
    [
        "npa", "dvfs",
        "thr-mmt-0.8", "thr-mu-0.8", "thr-rs-0.8", "thr-mc-0.8",
        "iqr-mmt-1.5", "iqr-mu-1.5", "iqr-rs-1.5", "iqr-mc-1.5",
        "mad-mmt-2.5", "mad-mu-2.5", "mad-rs-2.5", "mad-mc-2.5",
        "lr-mmt-1.2", "lr-mu-1.2", "lr-rs-1.2", "lr-mc-1.2",
        "lrr-mmt-1.2", "lrr-mu-1.2", "lrr-rs-1.2", "lrr-mc-1.2",
    ];

    /// <summary>The policies the performance work checked byte for byte (docs/experiments/simulator-performance.md).</summary>
    private static readonly string[] _oraclePolicies = ["thr-mmt-0.8", "iqr-mc-1.5", "lr-mmt-1.2", "mad-mu-2.5", "thr-rs-0.8"];

    /// <summary>
    /// Small fleets: a day of 60 synthetic VMs on 40 hosts under every policy. Equal to
    /// <c>roost simulate --workload synthetic:SEED:60 --hosts 40 --policy ... --json</c>.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Golden_SmallSyntheticFleet_EveryPolicy(int seed)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 60);

        var json = SimulationResultJson.Write(Simulate(workload, hosts: 40, seed: 1, _everyPolicy));

        GoldenFile.Check($"synthetic-{seed}-60vms-40hosts.json", json);
    }

    /// <summary>
    /// A fleet a tenth the size of CloudSim's on a crowded day: 300 VMs on 80 hosts, so that hosts are overloaded
    /// often and the host search's offset area and rebuilds are exercised.
    /// </summary>
    [Fact]
    public void Golden_CrowdedSyntheticFleet_EveryPolicy()
    {
        var workload = SyntheticWorkload.Generate(4, vmCount: 300);

        var json = SimulationResultJson.Write(Simulate(workload, hosts: 80, seed: 4, _everyPolicy));

        GoldenFile.Check("synthetic-4-300vms-80hosts.json", json);
    }

    /// <summary>Medium fleets: <c>roost simulate --workload synthetic:SEED:1500 --hosts 1000 --policy ... --json</c>.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Golden_MediumSyntheticFleet(int seed)
    {
        var workload = SyntheticWorkload.Generate(seed, vmCount: 1500);

        var json = SimulationResultJson.Write(Simulate(workload, hosts: 1000, seed: 1, _oraclePolicies));

        GoldenFile.Check($"synthetic-{seed}-1500vms-1000hosts.json", json);
    }

    /// <summary>
    /// A fleet past the size from which host updates, overload detection and tree builds use every core
    /// (4,096 hosts) and VM updates too (8,192 VMs), for four hours.
    /// </summary>
    [Fact]
    public void Golden_FleetLargeEnoughForEveryCore()
    {
        var workload = SyntheticWorkload.Generate(5, vmCount: 8400, steps: 48);

        var json = SimulationResultJson.Write(Simulate(workload, hosts: 4200, seed: 1, ["lr-mmt-1.2", "thr-mu-0.8"]));

        GoldenFile.Check("synthetic-5-8400vms-4200hosts-4h.json", json);
    }

    /// <summary>
    /// CloudSim's reference policies on one PlanetLab day (VMs in file-name order), and for 20110306 the other
    /// selectors too: <c>roost simulate --workload planetlab:../shared/traces/planetlab/DAY --policy ... --json</c>.
    /// </summary>
    [RequiresSharedTracesFact("planetlab/20110303")]
    public void Golden_PlanetLab20110303() => CheckPlanetLabDay("20110303");

    [RequiresSharedTracesFact("planetlab/20110306")]
    public void Golden_PlanetLab20110306() => CheckPlanetLabDay("20110306", "iqr-mc-1.5", "mad-mu-2.5", "thr-rs-0.8", "lr-mc-1.2");

    [RequiresSharedTracesFact("planetlab/20110309")]
    public void Golden_PlanetLab20110309() => CheckPlanetLabDay("20110309");

    private static void CheckPlanetLabDay(string day, params string[] morePolicies)
    {
        var folder = SharedTraces.Find($"planetlab/{day}") ?? throw new InvalidOperationException($"planetlab/{day} vanished");
        var workload = WorkloadSource.Load($"planetlab:{folder}", VmOrder.Name);
        var policies = CloudSimReference.Figures.Where(f => f.Day == day).Select(f => f.Policy).Concat(morePolicies).ToList();

        var json = SimulationResultJson.Write(Simulate(workload, hosts: 800, seed: 1, policies));

        GoldenFile.Check($"planetlab-{day}.json", json);
    }

    /// <summary>Runs every policy as <c>roost simulate</c> does (the setup on the workload's interval and length), in parallel.</summary>
    private static SimulationResult[] Simulate(Workload workload, int hosts, int seed, IReadOnlyList<string> policies)
    {
        var setup = DataCenterSetup.CloudSimPlanetLab(hosts, seed) with
        {
            SchedulingInterval = workload.Interval,
            Duration = workload.Interval * workload.Steps,
        };
        var results = new SimulationResult[policies.Count];
        Parallel.For(0, policies.Count, i =>
        {
            Assert.True(ConsolidationPolicy.TryParse(policies[i], setup.SchedulingInterval, out var policy, out var error), error);
            results[i] = DataCenterSimulator.Run(workload, setup, policy);
        });
        return results;
    }
}
