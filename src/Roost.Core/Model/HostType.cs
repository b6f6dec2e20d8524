using Roost.Core.Power;

namespace Roost.Core.Model;

/// <summary>
/// A kind of physical server: cores of equal speed, RAM, network bandwidth and a power model. Bandwidth is in Mbit/s.
/// </summary>
public sealed record HostType(string Name, int Cores, double MipsPerCore, int RamMiB, double BandwidthMbps, IPowerModel Power)
{
    public double TotalMips => Cores * MipsPerCore;

    /// <summary>HP ProLiant ML110 G4 as configured in CloudSim's power examples (2 × 1860 MIPS, 4 GB, 1 Gbit/s).</summary>
    public static HostType HpProLiantMl110G4 { get; } = new("HP ProLiant ML110 G4", 2, 1860, 4096, 1000, SpecPowerModel.HpProLiantMl110G4);

    /// <summary>HP ProLiant ML110 G5 as configured in CloudSim's power examples (2 × 2660 MIPS, 4 GB, 1 Gbit/s).</summary>
    public static HostType HpProLiantMl110G5 { get; } = new("HP ProLiant ML110 G5", 2, 2660, 4096, 1000, SpecPowerModel.HpProLiantMl110G5);
}
