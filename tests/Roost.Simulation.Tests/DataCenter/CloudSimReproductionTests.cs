using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Tests.Workloads;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter;

/// <summary>
/// Roost's baselines against the CloudSim 3.0.3 reference run on the same PlanetLab files
/// (../shared/traces/README.md): energy within ±5 %, migrations within ±10 %, SLATAH within ±1 point.
/// </summary>
public sealed class CloudSimReproductionTests
{
    [RequiresSharedTracesFact("planetlab/20110303")]
    public void ThrMmt08_On20110303_MatchesCloudSim()
    {
        var workload = PlanetLabReader.Read(SharedTraces.Find("planetlab/20110303")!);
        var setup = DataCenterSetup.CloudSimPlanetLab();
        Assert.True(ConsolidationPolicy.TryParse("thr-mmt-0.8", setup.SchedulingInterval, out var policy, out _));

        var result = DataCenterSimulator.Run(workload, setup, policy);

        // CloudSim 3.0.3: 198.08 kWh, 27 728 migrations, SLATAH 5.00 %.
        Assert.InRange(result.EnergyKwh, 198.08 * 0.95, 198.08 * 1.05);
        Assert.InRange(result.Migrations, 27728 * 0.90, 27728 * 1.10);
        Assert.InRange(result.SlatahPercent, 5.00 - 1, 5.00 + 1);
    }

    [RequiresSharedTracesFact("planetlab/20110303")]
    public void Npa_On20110303_MatchesCloudSimWithinOnePercent()
    {
        var workload = PlanetLabReader.Read(SharedTraces.Find("planetlab/20110303")!);
        var setup = DataCenterSetup.CloudSimPlanetLab();
        Assert.True(ConsolidationPolicy.TryParse("npa", setup.SchedulingInterval, out var policy, out _));

        var result = DataCenterSimulator.Run(workload, setup, policy);

        Assert.InRange(result.EnergyKwh, 2410.80 * 0.99, 2410.80 * 1.01);
    }
}
