using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>Runs a workload through a simulated power-aware data center under one baseline policy.</summary>
public static class DataCenterSimulator
{
    /// <summary>
    /// Simulates <paramref name="workload"/> on <paramref name="setup"/> under <paramref name="policy"/>.
    /// Deterministic: equal inputs give equal results. <paramref name="progress"/> receives 0..1.
    /// </summary>
    public static SimulationResult Run(Workload workload, DataCenterSetup setup, ConsolidationPolicy policy, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var dataCenter = new PowerDataCenter(workload, setup, policy);
        return dataCenter.Run(workload.Name, progress);
    }
}
