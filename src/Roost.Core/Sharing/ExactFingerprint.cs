namespace Roost.Core.Sharing;

/// <summary>
/// A VM's (or host's) memory as the sorted list of its distinct non-zero page hashes, optionally sampled
/// (<see cref="HashSampling"/>). 8 bytes per distinct sampled page: 2 MiB per GiB of guest RAM without sampling.
/// Immutable; equal page contents give equal fingerprints byte for byte.
/// </summary>
public sealed class ExactFingerprint
{
    private readonly ulong[] _hashes;

    private ExactFingerprint(ulong[] sortedUniqueHashes, long zeroPages, HashSampling sampling)
    {
        _hashes = sortedUniqueHashes;
        ZeroPages = zeroPages;
        Sampling = sampling;
    }

    /// <summary>Zero pages seen while hashing (not sampled, not in <see cref="Hashes"/>).</summary>
    public long ZeroPages { get; }

    public HashSampling Sampling { get; }

    /// <summary>Distinct sampled hashes, ascending.</summary>
    public ReadOnlySpan<ulong> Hashes => _hashes;

    /// <summary>Number of distinct sampled hashes.</summary>
    public int Count => _hashes.Length;

    /// <summary>Distinct non-zero pages this fingerprint stands for: <see cref="Count"/> scaled back by the sampling.</summary>
    public long EstimatedDistinctPages => checked(_hashes.Length * Sampling.Scale);

    /// <summary>The fingerprint of no pages.</summary>
    public static ExactFingerprint Empty(HashSampling sampling = default) => new([], 0, sampling);

    /// <summary>Builds a fingerprint from page hashes in any order, with repeats; hashes outside the sample are dropped.</summary>
    public static ExactFingerprint FromPageHashes(ReadOnlySpan<ulong> pageHashes, long zeroPages = 0, HashSampling sampling = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(zeroPages);
        var kept = new ulong[pageHashes.Length];
        var count = 0;
        foreach (var hash in pageHashes)
        {
            if (sampling.Includes(hash))
            {
                kept[count++] = hash;
            }
        }

        var span = kept.AsSpan(0, count);
        span.Sort();
        var unique = Deduplicate(span);
        return new ExactFingerprint(unique == kept.Length ? kept : span[..unique].ToArray(), zeroPages, sampling);
    }

    /// <summary>Wraps hashes already known to be strictly ascending and in the sample (the file reader checks this).</summary>
    internal static ExactFingerprint FromSortedUnique(ulong[] hashes, long zeroPages, HashSampling sampling) =>
        new(hashes, zeroPages, sampling);

    /// <summary>
    /// The fingerprint of the union of the pages: a k-way merge of sorted lists (here: concatenate, sort, dedupe,
    /// O(N log N) for N hashes in total). Zero pages add up. This is a host's fingerprint from its VMs'.
    /// </summary>
    public static ExactFingerprint Union(IReadOnlyList<ExactFingerprint> fingerprints, HashSampling sampling = default)
    {
        ArgumentNullException.ThrowIfNull(fingerprints);
        if (fingerprints.Count == 0)
        {
            return Empty(sampling);
        }

        var total = 0;
        long zeroPages = 0;
        foreach (var fingerprint in fingerprints)
        {
            RequireSameSampling(fingerprints[0], fingerprint);
            total = checked(total + fingerprint.Count);
            zeroPages = checked(zeroPages + fingerprint.ZeroPages);
        }

        var all = new ulong[total];
        var offset = 0;
        foreach (var fingerprint in fingerprints)
        {
            fingerprint.Hashes.CopyTo(all.AsSpan(offset));
            offset += fingerprint.Count;
        }

        all.AsSpan().Sort();
        var unique = Deduplicate(all);
        return new ExactFingerprint(unique == all.Length ? all : all.AsSpan(0, unique).ToArray(), zeroPages, fingerprints[0].Sampling);
    }

    /// <summary>The union of two fingerprints by a linear merge, O(|a| + |b|).</summary>
    public ExactFingerprint UnionWith(ExactFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameSampling(this, other);
        var merged = new ulong[checked(Count + other.Count)];
        int i = 0, j = 0, n = 0;
        var a = _hashes;
        var b = other._hashes;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j])
            {
                merged[n++] = a[i++];
            }
            else if (a[i] > b[j])
            {
                merged[n++] = b[j++];
            }
            else
            {
                merged[n++] = a[i++];
                j++;
            }
        }

        a.AsSpan(i).CopyTo(merged.AsSpan(n));
        n += a.Length - i;
        b.AsSpan(j).CopyTo(merged.AsSpan(n));
        n += b.Length - j;
        return new ExactFingerprint(n == merged.Length ? merged : merged.AsSpan(0, n).ToArray(), checked(ZeroPages + other.ZeroPages), Sampling);
    }

    /// <summary>Number of sampled hashes in both fingerprints: a linear merge of the two sorted lists, O(|a| + |b|).</summary>
    public int IntersectionCount(ExactFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        RequireSameSampling(this, other);
        var a = _hashes;
        var b = other._hashes;
        int i = 0, j = 0, common = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j])
            {
                i++;
            }
            else if (a[i] > b[j])
            {
                j++;
            }
            else
            {
                common++;
                i++;
                j++;
            }
        }

        return common;
    }

    public bool Contains(ulong hash) => Array.BinarySearch(_hashes, hash) >= 0;

    internal static void RequireSameSampling(ExactFingerprint a, ExactFingerprint b)
    {
        if (a.Sampling != b.Sampling)
        {
            throw new ArgumentException($"Fingerprints sampled differently ({a.Sampling} vs {b.Sampling}) cannot be compared.");
        }
    }

    private static int Deduplicate(Span<ulong> sorted)
    {
        if (sorted.Length == 0)
        {
            return 0;
        }

        var n = 1;
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i] != sorted[n - 1])
            {
                sorted[n++] = sorted[i];
            }
        }

        return n;
    }
}
