using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharedPageMatrixTests
{
    private const long Default = -1;

    /// <summary>
    /// Every pair equals the pairwise merge count, whichever way pages are added (all as bit columns, all pair by
    /// pair, mixed), however the hash space is bucketed and however many threads share the buckets.
    /// </summary>
    [Theory]
    [InlineData(1, 0, 0, 1)]
    [InlineData(2, long.MaxValue, 0, 1)]
    [InlineData(3, 40, 4, 2)]
    [InlineData(4, 40, 10, 3)]
    [InlineData(5, 1, 6, 2)]
    [InlineData(6, Default, Default, Default)]
    [InlineData(7, long.MaxValue, 12, 4)]
    [InlineData(8, 0, 3, 8)]
    public void Count_EqualsPairwiseIntersectionCount(int seed, long denseThreshold, int bucketBits, int workers)
    {
        var (vms, hosts) = Scenario(seed, HashSampling.None);

        var counts = SharedPageMatrix.Count(
            vms,
            hosts,
            denseThreshold == Default ? null : denseThreshold,
            bucketBits == Default ? null : bucketBits,
            workers == Default ? null : workers);

        AssertEqualsPairwise(vms, hosts, counts, $"seed {seed}");
    }

    /// <summary>
    /// Hosts given by their residents equal the counts against the residents' union, whatever the residents: VMs of the
    /// list or not, one list on several hosts or twice on one, no residents, and pages shared by two VMs only, so that
    /// two residents of one host can hold the same rare page (which must count once).
    /// </summary>
    [Theory]
    [InlineData(1, 0, 0, 1)]
    [InlineData(2, long.MaxValue, 0, 1)]
    [InlineData(3, 40, 4, 2)]
    [InlineData(4, long.MaxValue, 10, 3)]
    [InlineData(5, Default, Default, Default)]
    [InlineData(6, 1, 7, 2)]
    public void CountByResidents_EqualsPairwiseCountOnTheUnions(int seed, long denseThreshold, int bucketBits, int workers)
    {
        var (vms, residents) = ResidentScenario(seed);
        var unions = residents.Select(r => ExactFingerprint.Union(r)).ToArray();

        var counts = SharedPageMatrix.CountByResidents(
            vms,
            residents,
            denseThreshold == Default ? null : denseThreshold,
            bucketBits == Default ? null : bucketBits,
            workers == Default ? null : workers);

        AssertEqualsPairwise(vms, unions, counts, $"seed {seed}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(long.MaxValue)]
    public void CountByResidents_PageOnTwoResidentsOfOneHost_CountsOnce(long denseThreshold)
    {
        ulong x = 101, y = 102, z = 103, w = 104;
        var vm = ExactFingerprint.FromPageHashes([x, y]);
        var other = ExactFingerprint.FromPageHashes([w, y]);
        var first = ExactFingerprint.FromPageHashes([x]);
        var second = ExactFingerprint.FromPageHashes([x, z]);
        IReadOnlyList<ExactFingerprint>[] hosts = [[first, second], [first], [vm, second], [second, second], []];

        var counts = SharedPageMatrix.CountByResidents([vm, other], hosts, denseThreshold, bucketBits: 0, workers: 1);

        // Host-major, two VMs per host: (vm, other) for each host.
        Assert.Equal([1, 0, 1, 0, 2, 1, 1, 0, 0, 0], counts);
    }

    [Fact]
    public void Count_ManyPopularPages_SpillIntoSeveralColumnBlocks()
    {
        // 40,000 pages every list holds: more than two 16,384-column blocks, all popular at threshold 0.
        var common = Enumerable.Range(1, 40_000).Select(i => unchecked((ulong)i * 0x9E3779B97F4A7C15)).ToArray();
        var vms = new[] { ExactFingerprint.FromPageHashes(common), ExactFingerprint.FromPageHashes([.. common, 7]) };
        var hosts = new[] { ExactFingerprint.FromPageHashes([.. common.Take(30_000), 7]), ExactFingerprint.FromPageHashes(common.AsSpan(5)) };

        var counts = SharedPageMatrix.Count(vms, hosts, denseThreshold: 0, bucketBits: 2, workers: 2);

        AssertEqualsPairwise(vms, hosts, counts, "three blocks");
    }

    /// <summary>
    /// Pages held by exactly one VM and one host (a VM's private page on the host that runs it) and pages held by one
    /// VM and every host, or by every VM and one host, all count. A universe restricted to pages that recur on either
    /// side would drop them.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(long.MaxValue)]
    public void Count_PagesHeldByASingleVmOrHost_AreCounted(long denseThreshold)
    {
        ulong own0 = 11, own1 = 12, own2 = 13, oneVmAllHosts = 21, allVmsOneHost = 31, noHost = 41, noVm = 51;
        var vms = new[]
        {
            ExactFingerprint.FromPageHashes([own0, oneVmAllHosts, allVmsOneHost, noHost]),
            ExactFingerprint.FromPageHashes([own1, allVmsOneHost]),
            ExactFingerprint.FromPageHashes([own2, allVmsOneHost]),
        };
        var hosts = new[]
        {
            ExactFingerprint.FromPageHashes([own0, oneVmAllHosts, noVm]),
            ExactFingerprint.FromPageHashes([own1, oneVmAllHosts]),
            ExactFingerprint.FromPageHashes([own2, oneVmAllHosts, allVmsOneHost, noVm]),
        };

        var counts = SharedPageMatrix.Count(vms, hosts, denseThreshold, bucketBits: 0, workers: 1);

        int[][] expected = [[2, 1, 2], [0, 1, 1], [0, 0, 2]];
        for (var v = 0; v < 3; v++)
        {
            for (var h = 0; h < 3; h++)
            {
                Assert.True(expected[v][h] == counts[(h * 3) + v], $"vm {v}, host {h}: expected {expected[v][h]}, got {counts[(h * 3) + v]}");
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Count_HashesOnBucketBoundaries_CountOnce(int bucketBits)
    {
        var edges = new List<ulong> { 0, 1, ulong.MaxValue - 1, ulong.MaxValue };
        for (var k = 1UL; k < 16; k++)
        {
            edges.Add((k << 60) - 1);
            edges.Add(k << 60);
        }

        var all = ExactFingerprint.FromPageHashes([.. edges]);
        var even = ExactFingerprint.FromPageHashes([.. edges.Where((_, i) => i % 2 == 0)]);
        var odd = ExactFingerprint.FromPageHashes([.. edges.Where((_, i) => i % 2 == 1)]);
        ExactFingerprint[] vms = [all, even, odd];
        ExactFingerprint[] hosts = [odd, all, even];

        foreach (var threshold in new long[] { 0, long.MaxValue })
        {
            var counts = SharedPageMatrix.Count(vms, hosts, threshold, bucketBits, workers: 3);

            AssertEqualsPairwise(vms, hosts, counts, $"{bucketBits} bucket bits, threshold {threshold}");
        }
    }

    [Fact]
    public void Count_NoVmsOrNoHosts_IsEmpty()
    {
        var list = ExactFingerprint.FromPageHashes([1, 2, 3]);

        Assert.Empty(SharedPageMatrix.Count([], [list]));
        Assert.Empty(SharedPageMatrix.Count([list], []));
    }

    [Fact]
    public void Count_EmptyLists_CountZero()
    {
        var list = ExactFingerprint.FromPageHashes([1, 2, 3]);

        var counts = SharedPageMatrix.Count([ExactFingerprint.Empty(), list], [list, ExactFingerprint.Empty()], workers: 2);

        Assert.Equal([0, 3, 0, 0], counts);
    }

    [Fact]
    public void Count_DifferentSampling_Throws()
    {
        var a = ExactFingerprint.FromPageHashes([8, 16], sampling: new HashSampling(3));
        var b = ExactFingerprint.FromPageHashes([8, 16]);

        Assert.Throws<ArgumentException>(() => SharedPageMatrix.Count([a], [b]));
        Assert.Throws<ArgumentException>(() => SharedPageMatrix.Count([a, b], [a]));
    }

    /// <summary>
    /// Twenty-one VMs (one with no pages) and fifteen hosts, each host the union of 0-5 VMs from a pool of thirty, so
    /// hosts hold listed VMs, unlisted ones, both or nothing: pages of every popularity, from a VM's own pages on one
    /// host to a common base in nearly every list.
    /// </summary>
    internal static (ExactFingerprint[] Vms, ExactFingerprint[] Hosts) Scenario(int seed, HashSampling sampling)
    {
        var random = new Random(seed);
        var sets = new SyntheticPageSets(random, 3, commonPages: 400 * sampling.Scale, profilePages: 800 * sampling.Scale, sampling);
        var pool = Enumerable.Range(0, 30).Select(i => sets.NextVm(i % 3, random.NextDouble(), random.Next(0, 300) * sampling.Scale)).ToArray();
        ExactFingerprint[] vms = [.. pool[..20], ExactFingerprint.Empty(sampling)];
        var hosts = Enumerable.Range(0, 15)
            .Select(_ => ExactFingerprint.Union([.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => pool[random.Next(pool.Length)])], sampling))
            .ToArray();
        return (vms, hosts);
    }

    /// <summary>
    /// Twenty-one VMs (one with no pages) and fifteen hosts of 0-5 residents drawn with repetition from a pool of thirty
    /// (the first twenty are the VMs themselves); besides their synthetic pages, some pairs of pool VMs share a page no
    /// one else has.
    /// </summary>
    private static (ExactFingerprint[] Vms, IReadOnlyList<ExactFingerprint>[] Residents) ResidentScenario(int seed)
    {
        var random = new Random(seed);
        var sets = new SyntheticPageSets(random, 3, commonPages: 400, profilePages: 800);
        var pages = Enumerable.Range(0, 30).Select(i => sets.NextVm(i % 3, random.NextDouble(), random.Next(0, 300)).Hashes.ToArray().ToList()).ToArray();
        for (var pair = 0; pair < 60; pair++)
        {
            var page = unchecked((ulong)random.NextInt64());
            pages[random.Next(30)].Add(page);
            pages[random.Next(30)].Add(page);
        }

        var pool = pages.Select(p => ExactFingerprint.FromPageHashes(p.ToArray())).ToArray();
        ExactFingerprint[] vms = [.. pool[..20], ExactFingerprint.Empty()];
        var residents = Enumerable.Range(0, 15)
            .Select(_ => (IReadOnlyList<ExactFingerprint>)[.. Enumerable.Range(0, random.Next(0, 6)).Select(_ => pool[random.Next(pool.Length)])])
            .ToArray();
        return (vms, residents);
    }

    private static void AssertEqualsPairwise(ExactFingerprint[] vms, ExactFingerprint[] hosts, int[] counts, string context)
    {
        Assert.Equal(vms.Length * hosts.Length, counts.Length);
        for (var v = 0; v < vms.Length; v++)
        {
            for (var h = 0; h < hosts.Length; h++)
            {
                var expected = vms[v].IntersectionCount(hosts[h]);
                var actual = counts[(h * vms.Length) + v];
                Assert.True(expected == actual, $"{context}: vm {v}, host {h}: expected {expected}, got {actual}");
            }
        }
    }
}
