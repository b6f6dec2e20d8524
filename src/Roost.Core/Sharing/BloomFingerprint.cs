using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Roost.Core.Sharing;

/// <summary>
/// A VM's (or host's) memory as a Bloom filter of its distinct sampled page hashes (Memory Buddies, §4.1). Its size
/// is fixed by <see cref="BloomParameters"/>, not by the memory it describes: m / 8 bytes (256 KiB per GiB covered at
/// the default 8 bits per page, against 2 MiB for the exact list). Immutable; the zero-bit count is cached because
/// every estimate needs it.
/// </summary>
/// <remarks>
/// A Bloom filter cannot forget a page. A host's filter is therefore rebuilt (or OR-ed) from its VMs' filters, and
/// the consolidation planner only ever evacuates whole hosts, so no filter ever needs a deletion.
/// </remarks>
public sealed class BloomFingerprint
{
    private readonly ulong[] _words;

    private BloomFingerprint(BloomParameters parameters, HashSampling sampling, ulong[] words, long zeroPages)
    {
        Parameters = parameters;
        Sampling = sampling;
        _words = words;
        ZeroPages = zeroPages;
        long ones = 0;
        foreach (var word in words)
        {
            ones += BitOperations.PopCount(word);
        }

        ZeroBits = parameters.BitCount - ones;
        SampledCardinality = SharingEstimator.CardinalityFromZeroBits(ZeroBits, parameters);
    }

    public BloomParameters Parameters { get; }

    public HashSampling Sampling { get; }

    /// <summary>Zero pages of the memory described (counted apart, never inserted).</summary>
    public long ZeroPages { get; }

    /// <summary>Z: bits still zero.</summary>
    public long ZeroBits { get; }

    /// <summary>The filter's bits, bit i in word i / 64 at position i % 64.</summary>
    public ReadOnlySpan<ulong> Words => _words;

    /// <summary>
    /// Probability that a page not in the set is reported present, from the filter's actual fill: (1 - Z/m)^k.
    /// This is what the list ∩ Bloom estimate corrects for.
    /// </summary>
    public double FalsePositiveRate => Math.Pow(1 - ((double)ZeroBits / Parameters.BitCount), Parameters.HashCount);

    /// <summary>
    /// Distinct non-zero pages in the set, from the zero-bit count (Swamidass and Baldi 2007):
    /// n̂ = ln(Z/m) / (k · ln(1 - 1/m)), scaled back by the sampling. See <see cref="SharingEstimator.BloomBloom"/>.
    /// </summary>
    public double EstimatedDistinctPages => SampledCardinality * Sampling.Scale;

    /// <summary>Distinct sampled pages estimated from <see cref="ZeroBits"/>, cached for the pairwise estimates.</summary>
    internal double SampledCardinality { get; }

    public static BloomFingerprint Empty(BloomParameters parameters, HashSampling sampling = default) =>
        new(parameters, sampling, new ulong[parameters.WordCount], 0);

    /// <summary>Inserts every hash of an exact fingerprint (O(n·k), random access into m / 8 bytes).</summary>
    public static BloomFingerprint FromExact(ExactFingerprint fingerprint, BloomParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var words = new ulong[parameters.WordCount];
        foreach (var hash in fingerprint.Hashes)
        {
            Insert(words, parameters, hash);
        }

        return new BloomFingerprint(parameters, fingerprint.Sampling, words, fingerprint.ZeroPages);
    }

    /// <summary>Inserts page hashes in any order, with repeats; hashes outside the sample are dropped.</summary>
    public static BloomFingerprint FromPageHashes(ReadOnlySpan<ulong> pageHashes, BloomParameters parameters, long zeroPages = 0, HashSampling sampling = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(zeroPages);
        var words = new ulong[parameters.WordCount];
        foreach (var hash in pageHashes)
        {
            if (sampling.Includes(hash))
            {
                Insert(words, parameters, hash);
            }
        }

        return new BloomFingerprint(parameters, sampling, words, zeroPages);
    }

    /// <summary>Wraps words read from a file (the reader has checked their number).</summary>
    internal static BloomFingerprint FromWords(BloomParameters parameters, HashSampling sampling, ulong[] words, long zeroPages) =>
        new(parameters, sampling, words, zeroPages);

    /// <summary>
    /// The union of the sets: bitwise OR, exactly the filter that inserting all their pages would build. This is a
    /// host's fingerprint from its VMs'. Zero pages add up. O(m/64) per filter.
    /// </summary>
    public static BloomFingerprint Union(IReadOnlyList<BloomFingerprint> fingerprints, BloomParameters parameters, HashSampling sampling = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        var words = new ulong[parameters.WordCount];
        long zeroPages = 0;
        foreach (var fingerprint in fingerprints)
        {
            if (fingerprint.Parameters != parameters || fingerprint.Sampling != sampling)
            {
                throw new ArgumentException($"Cannot OR a fingerprint of {fingerprint.Parameters}, {fingerprint.Sampling} into one of {parameters}, {sampling}.", nameof(fingerprints));
            }

            var source = fingerprint._words;
            for (var i = 0; i < words.Length; i++)
            {
                words[i] |= source[i];
            }

            zeroPages = checked(zeroPages + fingerprint.ZeroPages);
        }

        return new BloomFingerprint(parameters, sampling, words, zeroPages);
    }

    public BloomFingerprint UnionWith(BloomFingerprint other) => Union([this, other], Parameters, Sampling);

    /// <summary>True if the page may be in the set (false positives at <see cref="FalsePositiveRate"/>, no false negatives).</summary>
    public bool MightContain(ulong hash)
    {
        var (h1, h2) = BloomHashing.Seeds(hash);
        var bitCount = Parameters.BitCount;
        var hashCount = Parameters.HashCount;
        var words = _words;
        unchecked
        {
            for (var i = 0; i < hashCount; i++)
            {
                var position = BloomHashing.Position(h1, h2, i, bitCount);
                if ((words[position >> 6] & (1UL << (int)(position & 63))) == 0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Bits zero in both this filter and <paramref name="other"/>, i.e. the zero bits of their OR. O(m/64).</summary>
    public long ZeroBitsOfUnionWith(BloomFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireCompatible(this, other);
        return Parameters.BitCount - OnesOfUnion(_words, other._words);
    }

    /// <summary>
    /// Popcount of a | b. With AVX-512BW or AVX2, 512 or 256 bits at a time by Muła's nibble lookup (vpshufb, then vpsadbw to sum the
    /// bytes); otherwise four independent scalar popcount chains. This loop is the whole cost of a Bloom ∩ Bloom
    /// estimate, hence the care.
    /// </summary>
    internal static long OnesOfUnion(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        b = b[..a.Length];
        long ones = 0;
        var i = 0;
        if (Avx512BW.IsSupported && a.Length >= 8)
        {
            var va = MemoryMarshal.Cast<ulong, Vector512<byte>>(a);
            var vb = MemoryMarshal.Cast<ulong, Vector512<byte>>(b)[..va.Length];
            var lookup = Vector512.Create(Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
            var nibble = Vector512.Create((byte)0x0F);
            var sum = Vector512<ulong>.Zero;
            for (var j = 0; j < va.Length; j++)
            {
                var v = va[j] | vb[j];
                var low = v & nibble;
                var high = Vector512.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble;
                var counts = Avx512BW.Shuffle(lookup, low) + Avx512BW.Shuffle(lookup, high);
                sum += Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64();
            }

            ones = (long)Vector512.Sum(sum);
            i = va.Length * 8;
        }
        else if (Avx2.IsSupported && a.Length >= 4)
        {
            var va = MemoryMarshal.Cast<ulong, Vector256<byte>>(a);
            var vb = MemoryMarshal.Cast<ulong, Vector256<byte>>(b)[..va.Length];
            var lookup = Vector256.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
            var nibble = Vector256.Create((byte)0x0F);
            var sum = Vector256<ulong>.Zero;
            for (var j = 0; j < va.Length; j++)
            {
                var v = va[j] | vb[j];
                var low = v & nibble;
                var high = Vector256.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibble;
                var counts = Avx2.Shuffle(lookup, low) + Avx2.Shuffle(lookup, high);
                sum += Avx2.SumAbsoluteDifferences(counts, Vector256<byte>.Zero).AsUInt64();
            }

            ones = (long)Vector256.Sum(sum);
            i = va.Length * 4;
        }

        unchecked
        {
            long ones0 = 0, ones1 = 0, ones2 = 0, ones3 = 0;
            for (; i + 4 <= a.Length; i += 4)
            {
                ones0 += BitOperations.PopCount(a[i] | b[i]);
                ones1 += BitOperations.PopCount(a[i + 1] | b[i + 1]);
                ones2 += BitOperations.PopCount(a[i + 2] | b[i + 2]);
                ones3 += BitOperations.PopCount(a[i + 3] | b[i + 3]);
            }

            for (; i < a.Length; i++)
            {
                ones0 += BitOperations.PopCount(a[i] | b[i]);
            }

            return ones + ones0 + ones1 + ones2 + ones3;
        }
    }

    internal static void RequireCompatible(BloomFingerprint a, BloomFingerprint b)
    {
        if (a.Parameters != b.Parameters || a.Sampling != b.Sampling)
        {
            throw new ArgumentException($"Bloom fingerprints of {a.Parameters}, {a.Sampling} and {b.Parameters}, {b.Sampling} cannot be compared.");
        }
    }

    private static void Insert(ulong[] words, BloomParameters parameters, ulong hash)
    {
        var (h1, h2) = BloomHashing.Seeds(hash);
        for (var i = 0; i < parameters.HashCount; i++)
        {
            var position = BloomHashing.Position(h1, h2, i, parameters.BitCount);
            words[position >> 6] |= 1UL << (int)(position & 63);
        }
    }
}
