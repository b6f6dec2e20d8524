namespace Roost.Core.Sharing;

/// <summary>
/// Hash-based page sampling: keep only page hashes whose low <see cref="Shift"/> bits are zero, one page in
/// 2^<see cref="Shift"/>. Because the decision depends on the content hash alone, two VMs keep exactly the same
/// sample of the pages they share, so the sample of an intersection is the intersection of the samples and every
/// count scales back by <see cref="Scale"/> (Broder's "mod-m" sampling). Shift 0 keeps every page.
/// </summary>
/// <remarks>
/// Sampling trades accuracy for size and speed: an intersection of <c>s</c> pages is seen as about
/// <c>s / Scale</c> sampled pages, so its relative standard error grows to about <c>sqrt(Scale / s)</c>.
/// </remarks>
public readonly record struct HashSampling
{
    /// <summary>Largest supported shift (one page in 65,536).</summary>
    public const int MaxShift = 16;

    public HashSampling(int shift)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shift);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(shift, MaxShift);
        Shift = shift;
    }

    /// <summary>Keeps one page in 2^Shift.</summary>
    public int Shift { get; }

    /// <summary>How many real pages one sampled page stands for.</summary>
    public long Scale => 1L << Shift;

    /// <summary>Every page (no sampling).</summary>
    public static HashSampling None => default;

    /// <summary>True if a page with this hash is in the sample.</summary>
    public bool Includes(ulong hash) => (hash & ((1UL << Shift) - 1)) == 0;

    public override string ToString() => Shift == 0 ? "all pages" : $"1 page in {Scale}";
}
