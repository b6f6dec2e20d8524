using BenchmarkDotNet.Attributes;
using Roost.Core.Sharing;

namespace Roost.Benchmarks;

/// <summary>
/// Exact list ∩ list counts on sampled lists for 1,000 VMs against 1,000 hosts, all 10^6 pairs, through
/// <see cref="SharingEstimator.ListListMatrix(IReadOnlyList{ExactFingerprint}, IReadOnlyList{ExactFingerprint})"/>
/// (acceptance: ≤ 1 s). The scenario of <see cref="SharingEstimateBenchmark"/> (1 GiB VMs of 4 profiles, 16 GiB hosts
/// of 16 VMs each drawn from a pool twice the size of the VM list) at several sampling rates; the error of these counts
/// is the sampling error only, measured against full-resolution counts in docs/experiments/memory-buddies.md.
/// </summary>
[MemoryDiagnoser]
public class SharingEstimateListMatrixBenchmark
{
    private const int Count = 1000;

    private ExactFingerprint[] _vmLists = [];
    private IReadOnlyList<ExactFingerprint>[] _hostResidents = [];
    private ExactFingerprint[] _hostLists = [];

    /// <summary>One page in 2^shift sampled.</summary>
    [Params(3, 4, 6)]
    public int SamplingShift { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var sampling = new HashSampling(SamplingShift);
        var sets = new SyntheticPageSets(random, 4, commonPages: 40_960, profilePages: 81_920, sampling);
        var pool = Enumerable.Range(0, 2 * Count).Select(i => sets.NextVm(i % 4, 0.8, 131_072)).ToArray();
        _vmLists = pool[..Count];
        _hostResidents = [.. Enumerable.Range(0, Count).Select(_ => (IReadOnlyList<ExactFingerprint>)[.. Enumerable.Range(0, 16).Select(_ => pool[random.Next(pool.Length)])])];
        _hostLists = [.. _hostResidents.Select(Union)];
    }

    /// <summary>All pairs, hosts given by their lists (the unions of their VMs').</summary>
    [Benchmark]
    public double HostLists1000x1000() => SharingEstimator.ListListMatrix(_vmLists, _hostLists).Sum(row => row.Sum());

    /// <summary>All pairs, hosts given by their resident VMs' lists (the same counts; the unions are never built).</summary>
    [Benchmark]
    public double HostResidents1000x1000() => SharingEstimator.ListListMatrix(_vmLists, _hostResidents).Sum(row => row.Sum());

    // Pairwise linear merges, a balanced tree: O(N log k) rather than the sort in ExactFingerprint.Union.
    private static ExactFingerprint Union(IReadOnlyList<ExactFingerprint> residents)
    {
        var lists = residents.ToArray();
        while (lists.Length > 1)
        {
            lists = [.. Enumerable.Range(0, (lists.Length + 1) / 2).Select(i => (2 * i) + 1 < lists.Length ? lists[2 * i].UnionWith(lists[(2 * i) + 1]) : lists[2 * i])];
        }

        return lists[0];
    }
}
