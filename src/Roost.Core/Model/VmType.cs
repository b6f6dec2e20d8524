namespace Roost.Core.Model;

/// <summary>A VM size: MIPS per virtual core, cores, RAM, and bandwidth in Mbit/s.</summary>
public sealed record VmType(string Name, double Mips, int Cores, int RamMiB, double BandwidthMbps)
{
    public double TotalMips => Mips * Cores;

    /// <summary>
    /// The four EC2-like types of Beloglazov &amp; Buyya 2012 as coded in CloudSim 3.0.3 (1 vCPU each; RAM as in the
    /// code, which differs from the paper's text for type 0 and 1).
    /// </summary>
    public static IReadOnlyList<VmType> CloudSimTypes { get; } =
    [
        new("High-CPU Medium", 2500, 1, 870, 100),
        new("Extra Large", 2000, 1, 1740, 100),
        new("Small", 1000, 1, 1740, 100),
        new("Micro", 500, 1, 613, 100),
    ];
}
