using BenchmarkDotNet.Attributes;
using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Benchmarks;

/// <summary>
/// One simulated day of the CloudSim-compatible power-aware data center under LR-MMT 1.2 on a synthetic workload of
/// 2,000 VMs and 1,000 hosts. (The search and the leaf kernel are measured on their own in
/// <see cref="LeafKernelBenchmarks"/>; whole-process A/B runs of each layer are in docs/experiments/simulator-performance.md.)
/// </summary>
[MemoryDiagnoser]
public class PowerDataCenterBenchmarks
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    private Workload _workload = new("none", _interval, []);
    private ConsolidationPolicy? _policy;

    [GlobalSetup]
    public void Setup()
    {
        _workload = SyntheticWorkload.Generate(seed: 1, vmCount: 2_000);
        if (!ConsolidationPolicy.TryParse("lr-mmt-1.2", _interval, out _policy, out var error))
        {
            throw new InvalidOperationException(error);
        }
    }

    [Benchmark]
    public SimulationResult OneDay()
    {
        var setup = DataCenterSetup.CloudSimPlanetLab(hostCount: 1_000);
        return new PowerDataCenter(_workload, setup, _policy ?? throw new InvalidOperationException("setup not run"))
            .Run(_workload.Name, progress: null);
    }
}
