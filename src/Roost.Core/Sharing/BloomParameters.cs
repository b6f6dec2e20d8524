namespace Roost.Core.Sharing;

/// <summary>
/// Size and hash count of a Bloom fingerprint. Two fingerprints can be combined (OR, AND, estimates) only if their
/// parameters and sampling are equal, so a data center fixes one set, sized for the largest host.
/// </summary>
/// <remarks>
/// False-positive rate after inserting n distinct pages into m bits with k hash functions (Bloom 1970; Broder and
/// Mitzenmacher 2004): each bit is still zero with probability (1 - 1/m)^(kn) ≈ e^(-kn/m), and a non-member is
/// reported present when all k of its bits are set, so f ≈ (1 - e^(-kn/m))^k, minimised by k = (m/n) ln 2, where
/// f ≈ 0.6185^(m/n). At the default 8 bits per page and k = 6, f ≈ 2.2 %.
/// </remarks>
public readonly record struct BloomParameters
{
    /// <summary>Bits per (sampled) page of the memory a fingerprint is sized for. See docs/experiments/memory-buddies.md.</summary>
    public const double DefaultBitsPerPage = 8;

    /// <summary>Upper bound on hash functions per page.</summary>
    public const int MaxHashCount = 32;

    /// <summary>Upper bound on filter size: 2^36 bits (8 GiB), far beyond any host.</summary>
    public const long MaxBitCount = 1L << 36;

    public BloomParameters(long bitCount, int hashCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitCount, 64);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitCount, MaxBitCount);
        if (bitCount % 64 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(bitCount), bitCount, "A Bloom fingerprint's size is a whole number of 64-bit words.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(hashCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(hashCount, MaxHashCount);
        BitCount = bitCount;
        HashCount = hashCount;
    }

    /// <summary>m: bits in the filter, a multiple of 64.</summary>
    public long BitCount { get; }

    /// <summary>k: bit positions set per page.</summary>
    public int HashCount { get; }

    public int WordCount => checked((int)(BitCount / 64));

    public long SizeBytes => BitCount / 8;

    /// <summary>
    /// A filter for up to <paramref name="pages"/> distinct (sampled) pages at <paramref name="bitsPerPage"/>, with the
    /// optimal hash count round((m/n) ln 2), at least 1.
    /// </summary>
    public static BloomParameters ForPages(long pages, double bitsPerPage = DefaultBitsPerPage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        if (!(bitsPerPage > 0) || double.IsInfinity(bitsPerPage))
        {
            throw new ArgumentOutOfRangeException(nameof(bitsPerPage), bitsPerPage, "Bits per page must be positive.");
        }

        var bits = (long)Math.Ceiling(pages * bitsPerPage / 64) * 64;
        var hashes = (int)Math.Clamp(Math.Round(bitsPerPage * Math.Log(2)), 1, MaxHashCount);
        return new BloomParameters(Math.Max(bits, 64), hashes);
    }

    /// <summary>A filter sized for <paramref name="memoryMiB"/> of guest memory under <paramref name="sampling"/>.</summary>
    public static BloomParameters ForMemoryMiB(long memoryMiB, HashSampling sampling = default, double bitsPerPage = DefaultBitsPerPage)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryMiB, 1);
        return ForPages(Math.Max(1, checked(memoryMiB * PageHasher.PagesPerMiB) / sampling.Scale), bitsPerPage);
    }

    /// <summary>Expected false-positive rate after inserting <paramref name="distinctPages"/> distinct pages: (1 - e^(-kn/m))^k.</summary>
    public double FalsePositiveRate(long distinctPages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(distinctPages);
        return Math.Pow(1 - Math.Exp(-(double)HashCount * distinctPages / BitCount), HashCount);
    }

    public override string ToString() => $"{BitCount} bits, {HashCount} hashes";
}
