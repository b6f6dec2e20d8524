namespace Roost.Core.Sharing;

/// <summary>
/// The list ∩ list count |V ∩ H| for every VM list V and every host list H at once, exactly: the same integers
/// <see cref="ExactFingerprint.IntersectionCount"/> gives pair by pair, without merging each pair's lists. A host is
/// given either by its own list or by its resident VMs' lists (the host's list being their union).
/// </summary>
/// <remarks>
/// <para>Counting by page instead of by pair: count[v, h] = Σ_p [p ∈ V_v]·[p ∈ H_h], so a page held by dv VMs and dh
/// hosts adds one to each of the dv × dh pairs it forms. Only pages in at least one VM list and at least one host add
/// anything, so the universe is the VMs' pages: a host page that no VM holds is looked up and dropped, and a VM page
/// that no host holds is never counted. Every page with dv ≥ 1 and dh ≥ 1 counts, including those held by a single VM
/// and a single host (a VM's private pages on the host already running it).</para>
/// <para>Two ways to add a page. A rare page (a VM's private pages, found on the few hosts holding that VM) adds one per
/// pair directly. A popular page (a kernel nearly every VM and host holds; dv·dh ≥ V·H / 256) becomes one bit column of
/// per-VM and per-host bitsets, and all pairs are then counted together by AND + popcount over those columns,
/// cache-tiled like <see cref="SharingEstimator.BloomBloomMatrix"/>. The threshold balances the two costs: dv·dh
/// increments against V·H/64 word ANDs done 4-8 words at a time.</para>
/// <para>Locality: the 64-bit hash space is cut into buckets by its top bits, each holding a few thousand of the VMs'
/// entries, so one bucket's pages fit a hash table in L2; the lists' entries are regrouped by bucket a chunk of buckets
/// at a time, so every list is read front to back. Buckets are split between threads, each counting into its own
/// arrays; integer sums make the result independent of the split.</para>
/// <para>Cost: one table probe per VM entry and per host (or resident) entry, plus Σ dv·dh over rare pages, plus
/// V·H/64 word operations per 64 popular pages. Given residents, a VM list on several hosts is read once and a resident
/// that is one of the VMs is not looked up at all, so the host side costs what the distinct VMs' lists cost rather than
/// what the (larger) host unions would.</para>
/// </remarks>
internal static partial class SharedPageMatrix
{
    // A bucket's table holds about this many VM entries (16-byte slots, at most half full: ≤ 1 MiB, about an L2).
    private const int VmEntriesPerBucket = 32768;

    // A page is popular when dv·dh ≥ V·H / DenseDivisor: as a bit column it costs V·H/64 word ANDs done 4-8 words at a
    // time, about as much as V·H/256 single increments would. Either way the page is counted the same; the threshold
    // only moves work between the two paths.
    private const long DenseDivisor = 256;

    /// <summary>
    /// Counts shared sampled pages: <c>result[h * vms.Count + v]</c> = |vms[v] ∩ hosts[h]| (host-major, the order the
    /// counts are accumulated in).
    /// </summary>
    /// <param name="vms">VM lists, all of one sampling.</param>
    /// <param name="hosts">Host lists, same sampling.</param>
    /// <param name="denseThreshold">dv·dh from which a page is added as a bit column; default V·H/256. Tests force 0
    /// (every page held by several VMs a column) or <see cref="long.MaxValue"/> (every page counted pair by pair).</param>
    /// <param name="bucketBits">log2 of the number of hash buckets; default from the VMs' total list length.</param>
    /// <param name="workers">Threads; default <see cref="Environment.ProcessorCount"/>. Does not change the result.</param>
    public static int[] Count(
        IReadOnlyList<ExactFingerprint> vms,
        IReadOnlyList<ExactFingerprint> hosts,
        long? denseThreshold = null,
        int? bucketBits = null,
        int? workers = null)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var lists = hosts.ToArray();
        foreach (var list in lists)
        {
            ArgumentNullException.ThrowIfNull(list, nameof(hosts));
        }

        return Count(vms, Holders.OfHostLists(lists), denseThreshold, bucketBits, workers);
    }

    /// <summary>
    /// <see cref="Count(IReadOnlyList{ExactFingerprint}, IReadOnlyList{ExactFingerprint}, long?, int?, int?)"/> with each
    /// host given by its resident VMs' lists, the host's list being their union: the union is never built, and a VM list
    /// that sits on several hosts is read once.
    /// </summary>
    public static int[] CountByResidents(
        IReadOnlyList<ExactFingerprint> vms,
        IReadOnlyList<IReadOnlyList<ExactFingerprint>> hostResidents,
        long? denseThreshold = null,
        int? bucketBits = null,
        int? workers = null)
    {
        ArgumentNullException.ThrowIfNull(hostResidents);
        return Count(vms, Holders.OfResidents(hostResidents), denseThreshold, bucketBits, workers);
    }

    private static int[] Count(IReadOnlyList<ExactFingerprint> vms, Holders holders, long? denseThreshold, int? bucketBits, int? workers)
    {
        ArgumentNullException.ThrowIfNull(vms);
        var vmLists = vms.ToArray();
        var hostCount = holders.HostCount;
        var cells = (long)vmLists.Length * Math.Max(hostCount, holders.Lists.Length);
        if (cells > Array.MaxLength)
        {
            throw new ArgumentException($"{vmLists.Length} VMs × {hostCount} hosts is more pairs than one matrix holds.", nameof(vms));
        }

        foreach (var list in vmLists)
        {
            ArgumentNullException.ThrowIfNull(list, nameof(vms));
        }

        var all = vmLists.Concat(holders.Lists).ToArray();
        foreach (var list in all)
        {
            ExactFingerprint.RequireSameSampling(all[0], list);
        }

        if (vmLists.Length == 0 || hostCount == 0)
        {
            return [];
        }

        long vmEntries = 0;
        foreach (var list in vmLists)
        {
            vmEntries += list.Count;
        }

        var bits = bucketBits ?? DefaultBucketBits(vmEntries);
        ArgumentOutOfRangeException.ThrowIfNegative(bits, nameof(bucketBits));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 24, nameof(bucketBits));
        var threshold = denseThreshold ?? Math.Max(1, (long)vmLists.Length * hostCount / DenseDivisor);
        var buckets = 1 << bits;
        var threads = Math.Clamp(workers ?? Environment.ProcessorCount, 1, buckets);

        // Each thread scans a contiguous range of buckets into its own counts and popular-page columns.
        var scanners = new Scanner[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var scanner = new Scanner(vmLists, holders, bits, threshold);
            scanner.Scan(buckets * t / threads, buckets * (t + 1) / threads);
            scanners[t] = scanner;
        });

        var counts = SumOverHolders(scanners, vmLists.Length, holders);
        AddColumns([.. scanners.SelectMany(s => s.Columns)], vmLists.Length, holders, counts, threads);
        return counts;
    }

    /// <summary>Host-major counts of the rare pages: each host's holders' counts plus the once-per-host counts.</summary>
    private static int[] SumOverHolders(Scanner[] scanners, int vmCount, Holders holders)
    {
        var counts = holders.AreHosts ? scanners[0].HolderCounts : new int[vmCount * holders.HostCount];
        foreach (var scanner in scanners)
        {
            if (!ReferenceEquals(scanner.HolderCounts, counts))
            {
                var byHolder = scanner.HolderCounts;
                for (var h = 0; h < holders.HostCount; h++)
                {
                    var row = counts.AsSpan(h * vmCount, vmCount);
                    foreach (var holder in holders.AreHosts ? [h] : holders.HoldersOf[h])
                    {
                        var source = byHolder.AsSpan(holder * vmCount, vmCount);
                        for (var v = 0; v < vmCount; v++)
                        {
                            row[v] += source[v];
                        }
                    }
                }
            }

            if (scanner.HostCounts is { } byHost)
            {
                for (var i = 0; i < counts.Length; i++)
                {
                    counts[i] += byHost[i];
                }
            }
        }

        return counts;
    }

    private static int DefaultBucketBits(long vmEntries)
    {
        var bits = 0;
        while (bits < 20 && (vmEntries >> bits) > VmEntriesPerBucket)
        {
            bits++;
        }

        return bits;
    }
}
