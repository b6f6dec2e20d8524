namespace Roost.Core.Sharing;

/// <summary>
/// Estimates of the pages a VM shares with a host (or another VM): the number of distinct non-zero page contents
/// present in both, scaled back by the sampling. Three estimators, from exact and expensive to approximate and cheap
/// (Memory Buddies, §4.2); derivations, errors and costs below and in docs/experiments/memory-buddies.md.
/// </summary>
public static class SharingEstimator
{
    // Half of a typical 512 KiB - 1 MiB L2: room for one tile of VM filters (or bit rows) and one of host ones.
    internal const long TileCacheBytes = 256 * 1024;

    /// <summary>
    /// list ∩ list: |A ∩ B| by merging the two sorted hash lists. Exact on the sample (exact outright without
    /// sampling, up to 64-bit hash collisions, probability ≈ n²/2^65). Cost O(|A| + |B|) sequential reads.
    /// Symmetric.
    /// </summary>
    public static double ListList(ExactFingerprint a, ExactFingerprint b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return (double)a.IntersectionCount(b) * a.Sampling.Scale;
    }

    /// <summary>
    /// list ∩ list for every pair: <c>result[v][h]</c> is the pages <c>vms[v]</c> shares with <c>hosts[h]</c>, equal to
    /// <see cref="ListList"/> on that pair (the same integer count of shared sampled hashes, scaled by the sampling).
    /// </summary>
    /// <remarks>
    /// <para>Exact on the sample, so the only error is the sampling's: relative sd ≈ sqrt(2^s / shared pages) at one
    /// page in 2^s (docs/experiments/memory-buddies.md gives measured figures).</para>
    /// <para>Counted by page rather than by pair: each sampled page held by dv of the VMs and dh of the hosts adds one to
    /// its dv × dh pairs. Pages held by many VMs and hosts (kernels, common libraries) become bit columns counted for
    /// all pairs by a cache-tiled AND + popcount; the rest (a VM's own pages on the hosts that hold it) are added pair by
    /// pair. Pages in no host or in no VM cost one table probe and add nothing. Cost: one probe per listed hash plus
    /// Σ dv·dh over the rare pages plus V·H/64 word operations per 64 popular pages; the lists are read sequentially,
    /// in hash buckets sized for the L2 cache, and the buckets are shared between the processor's cores.</para>
    /// </remarks>
    public static double[][] ListListMatrix(IReadOnlyList<ExactFingerprint> vms, IReadOnlyList<ExactFingerprint> hosts)
    {
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentNullException.ThrowIfNull(hosts);
        return Scaled(SharedPageMatrix.Count(vms, hosts), vms, hosts.Count);
    }

    /// <summary>
    /// <see cref="ListListMatrix(IReadOnlyList{ExactFingerprint}, IReadOnlyList{ExactFingerprint})"/> with each host given
    /// by the lists of the VMs resident on it, the host's pages being their union (as <see cref="SharingHost.Pages"/>
    /// is): <c>result[v][h]</c> equals <see cref="ListList"/> of <c>vms[v]</c> and the union of
    /// <c>hostResidents[h]</c>, without building the unions.
    /// </summary>
    /// <remarks>
    /// Faster than passing the unions when VMs share pages: the host side costs the distinct resident lists (a list
    /// object on several hosts is read once; a resident that is also one of <paramref name="vms"/> is not looked up),
    /// rather than the unions, which repeat every page for every host holding it.
    /// </remarks>
    public static double[][] ListListMatrix(IReadOnlyList<ExactFingerprint> vms, IReadOnlyList<IReadOnlyList<ExactFingerprint>> hostResidents)
    {
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentNullException.ThrowIfNull(hostResidents);
        return Scaled(SharedPageMatrix.CountByResidents(vms, hostResidents), vms, hostResidents.Count);
    }

    /// <summary>
    /// list ∩ Bloom: count c of the n listed hashes that the filter reports present, corrected for false positives.
    /// </summary>
    /// <remarks>
    /// <para>Derivation: the filter has no false negatives, so each of the s shared hashes is counted, and each of the
    /// n - s others is counted with probability f = ρ^k, where ρ = 1 - Z/m is the filter's measured fill (a non-member's
    /// k positions are each set with probability ρ). E[c] = s + (n - s)·f, hence ŝ = (c - n·f) / (1 - f), clamped to
    /// [0, n]. Using the measured fill rather than the nominal n of the filter keeps the estimate unbiased for host
    /// filters whose true size is unknown.</para>
    /// <para>Error: c - s is binomial((n - s), f), so sd(ŝ) ≈ sqrt((n - s)·f / (1 - f)) pages: about 0.15·sqrt(n - s)
    /// at the default 8 bits per page (f ≈ 2 %), e.g. ±55 pages for a 1 GiB VM sharing half its pages. The position
    /// independence assumption adds a small bias when m is tiny. A saturated filter (f = 1) cannot be corrected;
    /// then c (an upper bound on s) is returned.</para>
    /// <para>Cost: O(n·k) probes into m / 8 bytes of filter, random access (cache-resident below ~1 MiB).</para>
    /// </remarks>
    public static double ListBloom(ExactFingerprint list, BloomFingerprint filter)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(filter);
        if (list.Sampling != filter.Sampling)
        {
            throw new ArgumentException($"A list sampled at {list.Sampling} cannot be checked against a filter sampled at {filter.Sampling}.", nameof(filter));
        }

        long found = 0;
        foreach (var hash in list.Hashes)
        {
            if (filter.MightContain(hash))
            {
                found++;
            }
        }

        var n = list.Count;
        var f = filter.FalsePositiveRate;
        var shared = f >= 1 ? found : (found - (n * f)) / (1 - f);
        return Math.Clamp(shared, 0, n) * list.Sampling.Scale;
    }

    /// <summary>
    /// Bloom ∩ Bloom: the intersection cardinality from the zero-bit counts of the two filters and of their OR
    /// (Swamidass and Baldi 2007; Broder and Mitzenmacher 2004, §2.1 and §3).
    /// </summary>
    /// <remarks>
    /// <para>Derivation: after x distinct insertions of k positions each into m bits, a bit is still zero with probability
    /// (1 - 1/m)^(kx), so the zero count Z gives x̂ = ln(Z/m) / (k·ln(1 - 1/m)) ≈ -(m/k)·ln(Z/m). The OR of the two
    /// filters is exactly the filter of A ∪ B, and |A ∩ B| = |A| + |B| - |A ∪ B|, so
    /// ŝ = ln(Z_A·Z_B / (m·Z_∪)) / (k·ln(1 - 1/m)) ≈ (m/k)·ln(m·Z_∪ / (Z_A·Z_B)). The AND carries the same
    /// information: its one-bits are ones(A) + ones(B) - ones(A ∪ B), so Z_∪ = Z_A + Z_B - Z_∧ and either may be
    /// counted. A zero count of 0 (saturated filter) is replaced by 1/2 and the result clamped at 0.</para>
    /// <para>Error: each x̂ has sd ≈ sqrt(m·(e^t - 1 - t)) / k with t = kx/m; the errors of the three terms are correlated
    /// and partly cancel, but the union term dominates, so the absolute error scales with the size of the host set, not
    /// the intersection: relative error is small when the VM shares much, large when it shares little. Exact symmetry:
    /// the formula and the OR are symmetric, so ŝ(A, B) = ŝ(B, A) bit for bit.</para>
    /// <para>Cost: O(m/64) word ORs and popcounts per pair (Z_A, Z_B are cached), independent of the set sizes.</para>
    /// </remarks>
    public static double BloomBloom(BloomFingerprint a, BloomFingerprint b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var zeroUnion = a.ZeroBitsOfUnionWith(b);
        var parameters = a.Parameters;
        var shared = a.SampledCardinality + b.SampledCardinality - CardinalityFromZeroBits(zeroUnion, parameters);
        return Math.Max(0, shared) * a.Sampling.Scale;
    }

    /// <summary>
    /// Bloom ∩ Bloom for every pair: <c>result[v][h]</c> estimates the pages <c>vms[v]</c> shares with
    /// <c>hosts[h]</c>, equal bit for bit to <see cref="BloomBloom"/> on that pair.
    /// </summary>
    /// <remarks>
    /// The pairs are visited in tiles of VMs × hosts whose filters fit together in a core's L2 cache, so each filter
    /// is streamed from memory once per tile rather than once per pair: with 1,000 × 1,000 pairs of 8 KiB filters the
    /// naive loop reads 8 GB from DRAM and is memory-bound, the tiled one reads about 0.5 GB.
    /// </remarks>
    public static double[][] BloomBloomMatrix(IReadOnlyList<BloomFingerprint> vms, IReadOnlyList<BloomFingerprint> hosts)
    {
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentNullException.ThrowIfNull(hosts);
        var result = new double[vms.Count][];
        for (var v = 0; v < result.Length; v++)
        {
            result[v] = new double[hosts.Count];
        }

        if (vms.Count == 0 || hosts.Count == 0)
        {
            return result;
        }

        var filterBytes = vms[0].Parameters.SizeBytes;
        var tile = (int)Math.Clamp(TileCacheBytes / (2 * filterBytes), 1, 256);
        for (var h0 = 0; h0 < hosts.Count; h0 += tile)
        {
            var h1 = Math.Min(hosts.Count, h0 + tile);
            for (var v0 = 0; v0 < vms.Count; v0 += tile)
            {
                var v1 = Math.Min(vms.Count, v0 + tile);
                for (var v = v0; v < v1; v++)
                {
                    for (var h = h0; h < h1; h++)
                    {
                        result[v][h] = BloomBloom(vms[v], hosts[h]);
                    }
                }
            }
        }

        return result;
    }

    /// <summary>Host-major counts of sampled pages as a VM-major matrix of pages, scaled back by the sampling.</summary>
    private static double[][] Scaled(int[] counts, IReadOnlyList<ExactFingerprint> vms, int hostCount)
    {
        var result = new double[vms.Count][];
        var scale = vms.Count > 0 ? vms[0].Sampling.Scale : 1;
        for (var v = 0; v < result.Length; v++)
        {
            var row = new double[hostCount];
            for (var h = 0; h < row.Length; h++)
            {
                row[h] = (double)counts[(h * result.Length) + v] * scale;
            }

            result[v] = row;
        }

        return result;
    }

    /// <summary>x̂ = ln(Z/m) / (k·ln(1 - 1/m)), with Z = 0 read as 1/2.</summary>
    internal static double CardinalityFromZeroBits(long zeroBits, BloomParameters parameters)
    {
        var m = (double)parameters.BitCount;
        var z = zeroBits == 0 ? 0.5 : zeroBits;
        return Math.Log(z / m) / (parameters.HashCount * Math.Log(1 - (1 / m)));
    }
}
