using Roost.Core.Balancing;
using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>Runs a workload through a simulated data center under one policy.</summary>
public static class DataCenterSimulator
{
    /// <summary>
    /// Simulates <paramref name="workload"/> on <paramref name="setup"/> under a CloudSim baseline.
    /// Deterministic: equal inputs give equal results. <paramref name="progress"/> receives 0..1.
    /// </summary>
    public static SimulationResult Run(Workload workload, DataCenterSetup setup, ConsolidationPolicy policy, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var dataCenter = new PowerDataCenter(workload, setup, policy);
        return dataCenter.Run(workload.Name, progress);
    }

    /// <summary>Simulates <paramref name="workload"/> under a baseline or a Sandpiper variant.</summary>
    public static SimulationResult Run(Workload workload, DataCenterSetup setup, SimulatedPolicy policy, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(setup);
        return policy switch
        {
            SimulatedPolicy.Baseline baseline => Run(workload, setup, baseline.Policy, progress),
            SimulatedPolicy.Sandpiper sandpiper => WithWarnings(new SandpiperDataCenter(
                workload,
                setup,
                sandpiper.GrayBox ? SandpiperEngine.GrayBox() : SandpiperEngine.BlackBox(),
                sandpiper.Consolidate,
                sandpiper.Name).Run(progress), workload, setup),
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, "unknown policy kind"),
        };
    }

    /// <summary>Sandpiper always honours its allocations; its warnings name the VMs a baseline would not run alike.</summary>
    private static SimulationResult WithWarnings(SimulationResult result, Workload workload, DataCenterSetup setup) => result with
    {
        Memory = setup.Memory,
        Warnings = PlacementWarnings.ForSandpiper(setup, workload, result.PlacedWithoutRoomVms),
    };
}
