namespace Roost.Core.Sharing;

/// <summary>
/// Derives a Bloom filter's k bit positions from one 64-bit page hash by double hashing (Kirsch and Mitzenmacher,
/// "Less hashing, same performance", 2006): g_i = h1 + i·h2 (mod 2^64), position_i = ⌊g_i · m / 2^64⌋, which keeps the
/// asymptotic false-positive rate of k independent hashes. h1 and h2 are two SplitMix64 finalisations of the page
/// hash, so the positions do not depend on the low bits that <see cref="HashSampling"/> forces to zero; h2 is odd so
/// the k positions differ whenever m is large.
/// </summary>
internal static class BloomHashing
{
    private const ulong SecondSeed = 0x9E3779B97F4A7C15;

    public static (ulong H1, ulong H2) Seeds(ulong pageHash) => (Mix(pageHash), Mix(unchecked(pageHash + SecondSeed)) | 1);

    /// <summary>The i-th bit position in a filter of <paramref name="bitCount"/> bits (multiply-shift range reduction).</summary>
    public static long Position(ulong h1, ulong h2, int i, long bitCount)
    {
        var g = unchecked(h1 + ((ulong)i * h2));
        return (long)Math.BigMul(g, (ulong)bitCount, out _);
    }

    // SplitMix64's output function (Steele, Lea and Flood 2014, constants from Stafford's variant 13).
    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }
    }
}
