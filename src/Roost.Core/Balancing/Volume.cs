using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// Sandpiper's load measures (Wood et al., NSDI 2007, hotspot mitigation). Volume = 1 / ((1 − cpu)(1 − net)(1 − mem)) over
/// utilisations as fractions of the host's capacity, each clamped to [0, <see cref="MaxUtilisation"/>] so a saturated
/// resource gives a large finite volume. VSR (volume-to-size ratio) = volume / memory size in MiB: the load moved per
/// MiB copied, which Sandpiper maximises when choosing what to migrate.
/// </summary>
public static class Volume
{
    public const double MaxUtilisation = 0.99;

    /// <summary>The volume of <paramref name="load"/> placed on a host of <paramref name="capacity"/>.</summary>
    public static double Of(ResourceVector load, ResourceVector capacity)
    {
        var fraction = load.FractionOf(capacity);
        return 1 / ((1 - Clamp(fraction.CpuCores)) * (1 - Clamp(fraction.NetworkMbps)) * (1 - Clamp(fraction.MemoryMiB)));
    }

    /// <summary>Volume per MiB of memory; a zero memory size counts as 1 MiB.</summary>
    public static double SizeRatio(double volume, double memoryMiB) => volume / Math.Max(memoryMiB, 1);

    private static double Clamp(double utilisation) =>
        double.IsNaN(utilisation) ? MaxUtilisation : Math.Clamp(utilisation, 0, MaxUtilisation);
}
