using BenchmarkDotNet.Attributes;
using Roost.Core.Sharing;

namespace Roost.Benchmarks;

/// <summary>
/// Estimating the sharing of 1,000 VMs against 1,000 hosts, all 10^6 pairs (acceptance: ≤ 1 s). VMs of 1 GiB,
/// hosts of 16 GiB holding 16 VMs each, 4 guest profiles. Fingerprints sampled one page in 64; see
/// docs/experiments/memory-buddies.md for the accuracy of each configuration.
/// </summary>
[MemoryDiagnoser]
public class SharingEstimateBenchmark
{
    private const int Count = 1000;
    private static HashSampling Sampling { get; } = new(6);

    private ExactFingerprint[] _vmLists = [];
    private BloomFingerprint[] _vmFilters = [];
    private BloomFingerprint[] _hostFilters = [];

    /// <summary>Bits per sampled page of a 16 GiB host; the hash count is the optimal round(bits · ln 2).</summary>
    [Params(1.0, 2.0, 8.0)]
    public double BitsPerPage { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var parameters = BloomParameters.ForMemoryMiB(16 * 1024, Sampling, BitsPerPage);
        var sets = new SyntheticPageSets(random, 4, commonPages: 40_960, profilePages: 81_920, Sampling);
        var pool = Enumerable.Range(0, 2 * Count).Select(i => sets.NextVm(i % 4, 0.8, 131_072)).ToArray();
        _vmLists = pool[..Count];
        _vmFilters = [.. _vmLists.Select(vm => BloomFingerprint.FromExact(vm, parameters))];
        var poolFilters = pool.Select(vm => BloomFingerprint.FromExact(vm, parameters)).ToArray();
        _hostFilters = [.. Enumerable.Range(0, Count).Select(_ => BloomFingerprint.Union([.. Enumerable.Range(0, 16).Select(_ => poolFilters[random.Next(pool.Length)])], parameters, Sampling))];
    }

    /// <summary>All pairs through the cache-tiled matrix.</summary>
    [Benchmark]
    public double BloomBloomMatrix1000x1000() => SharingEstimator.BloomBloomMatrix(_vmFilters, _hostFilters).Sum(row => row.Sum());

    /// <summary>All pairs, naive loop (memory-bound once the host filters outgrow the cache).</summary>
    [Benchmark]
    public double BloomBloom1000x1000()
    {
        double total = 0;
        foreach (var vm in _vmFilters)
        {
            foreach (var host in _hostFilters)
            {
                total += SharingEstimator.BloomBloom(vm, host);
            }
        }

        return total;
    }

    /// <summary>List ∩ Bloom over 100 VMs (a tenth of the pairs; multiply by 10).</summary>
    [Benchmark]
    public double ListBloom100x1000()
    {
        double total = 0;
        foreach (var vm in _vmLists.AsSpan(0, Count / 10))
        {
            foreach (var host in _hostFilters)
            {
                total += SharingEstimator.ListBloom(vm, host);
            }
        }

        return total;
    }
}
