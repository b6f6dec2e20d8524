namespace Roost.Core.Model;

/// <summary>
/// An amount of the three resources Sandpiper manages. CPU is in cores (fractional: 0.5 is half a core), memory in
/// MiB, network in Mbit/s. The same type holds capacities, allocations, usages and profiled needs; what a value means
/// is given by the field or parameter that holds it.
/// </summary>
public readonly record struct ResourceVector(double CpuCores, double MemoryMiB, double NetworkMbps)
{
    public static ResourceVector Zero { get; }

    public static ResourceVector operator +(ResourceVector left, ResourceVector right) =>
        new(left.CpuCores + right.CpuCores, left.MemoryMiB + right.MemoryMiB, left.NetworkMbps + right.NetworkMbps);

    public static ResourceVector operator -(ResourceVector left, ResourceVector right) =>
        new(left.CpuCores - right.CpuCores, left.MemoryMiB - right.MemoryMiB, left.NetworkMbps - right.NetworkMbps);

    public static ResourceVector operator *(ResourceVector vector, double factor) =>
        new(vector.CpuCores * factor, vector.MemoryMiB * factor, vector.NetworkMbps * factor);

    public static ResourceVector Add(ResourceVector left, ResourceVector right) => left + right;

    public static ResourceVector Subtract(ResourceVector left, ResourceVector right) => left - right;

    public static ResourceVector Multiply(ResourceVector vector, double factor) => vector * factor;

    /// <summary>Component-wise maximum.</summary>
    public static ResourceVector Max(ResourceVector left, ResourceVector right) =>
        new(
            Math.Max(left.CpuCores, right.CpuCores),
            Math.Max(left.MemoryMiB, right.MemoryMiB),
            Math.Max(left.NetworkMbps, right.NetworkMbps));

    /// <summary>Component-wise minimum.</summary>
    public static ResourceVector Min(ResourceVector left, ResourceVector right) =>
        new(
            Math.Min(left.CpuCores, right.CpuCores),
            Math.Min(left.MemoryMiB, right.MemoryMiB),
            Math.Min(left.NetworkMbps, right.NetworkMbps));

    /// <summary>True when no component exceeds the same component of <paramref name="capacity"/>.</summary>
    public bool FitsWithin(ResourceVector capacity) =>
        CpuCores <= capacity.CpuCores && MemoryMiB <= capacity.MemoryMiB && NetworkMbps <= capacity.NetworkMbps;

    /// <summary>True when some component exceeds the same component of <paramref name="other"/>.</summary>
    public bool ExceedsAny(ResourceVector other) => !FitsWithin(other);

    /// <summary>
    /// This amount as fractions of <paramref name="capacity"/> (dimensionless, per component). A zero capacity
    /// component gives 0 for a zero amount and +∞ otherwise.
    /// </summary>
    public ResourceVector FractionOf(ResourceVector capacity) =>
        new(Ratio(CpuCores, capacity.CpuCores), Ratio(MemoryMiB, capacity.MemoryMiB), Ratio(NetworkMbps, capacity.NetworkMbps));

    /// <summary>The largest component (useful on a vector of fractions).</summary>
    public double MaxComponent => Math.Max(CpuCores, Math.Max(MemoryMiB, NetworkMbps));

    public override string ToString() => $"(cpu {CpuCores:0.###} cores, mem {MemoryMiB:0.#} MiB, net {NetworkMbps:0.#} Mbps)";

    private static double Ratio(double amount, double capacity) =>
        capacity > 0 ? amount / capacity : amount > 0 ? double.PositiveInfinity : 0;
}
