using Roost.Core.Model;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// The simulated fleet and run parameters. Host <c>i</c> gets <c>HostTypes[i mod count]</c>; VM <c>i</c> of
/// <c>n</c> gets <c>VmTypes[i / ⌈n / count⌉]</c>, as CloudSim's power examples assign them.
/// </summary>
public sealed record DataCenterSetup(
    int HostCount,
    IReadOnlyList<HostType> HostTypes,
    IReadOnlyList<VmType> VmTypes,
    TimeSpan SchedulingInterval,
    TimeSpan Duration,
    int Seed)
{
    /// <summary>The setup of the CCPE 2012 paper as coded in CloudSim 3.0.3: 800 hosts, half G4 half G5, 24 h, 300 s.</summary>
    public static DataCenterSetup CloudSimPlanetLab(int hostCount = 800, int seed = 1) => new(
        hostCount,
        [HostType.HpProLiantMl110G4, HostType.HpProLiantMl110G5],
        VmType.CloudSimTypes,
        TimeSpan.FromSeconds(300),
        TimeSpan.FromHours(24),
        seed);
}
