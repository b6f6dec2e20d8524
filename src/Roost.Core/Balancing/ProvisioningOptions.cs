namespace Roost.Core.Balancing;

/// <summary>How provisioners turn observations into needs. Fractions are of the VM's current allocation.</summary>
public sealed record ProvisioningOptions
{
    public static ProvisioningOptions Default { get; } = new();

    /// <summary>Profile percentile (0..100) for CPU and network needs.</summary>
    public double Percentile { get; init; } = 95;

    /// <summary>A VM using at least this fraction of its CPU or network allocation is pinned at its cap.</summary>
    public double SaturationFraction { get; init; } = 0.95;

    /// <summary>Black box: a pinned VM's true demand is unknown; its need is its allocation grown by this fraction.</summary>
    public double SaturationGrowthFraction { get; init; } = 0.25;

    /// <summary>Black box: while the VM swaps, its memory need is its allocation grown by this fraction.</summary>
    public double SwapGrowthFraction { get; init; } = 0.25;

    /// <summary>Swap traffic (MiB/s) at or below this is noise, not memory pressure.</summary>
    public double SwapActivityMiBPerSecond { get; init; } = 0.5;

    /// <summary>Gray box: memory need is the guest's working set plus this fraction of headroom.</summary>
    public double MemoryHeadroomFraction { get; init; } = 0.1;
}
