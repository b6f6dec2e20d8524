using BenchmarkDotNet.Attributes;
using Roost.Core.Sharing;

namespace Roost.Benchmarks;

/// <summary>
/// Fingerprinting 1 GiB of guest memory (Memory Buddies acceptance: ≤ 0.5 s). The memory holds 10 % zero pages,
/// 30 % pages copied from a small pool (shared contents) and 60 % random pages.
/// </summary>
[MemoryDiagnoser]
public class PageFingerprintBenchmark
{
    private const int Pages = 262_144;

    private byte[] _memory = [];
    private ulong[] _hashes = [];
    private ExactFingerprint _exact = ExactFingerprint.Empty();
    private BloomParameters _parameters;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _memory = new byte[(long)Pages * PageHasher.PageSizeBytes];
        var pool = new byte[1024 * PageHasher.PageSizeBytes];
        random.NextBytes(pool);
        for (var page = 0; page < Pages; page++)
        {
            var target = _memory.AsSpan(page * PageHasher.PageSizeBytes, PageHasher.PageSizeBytes);
            var roll = random.Next(10);
            if (roll == 0)
            {
                continue;
            }

            if (roll <= 3)
            {
                pool.AsSpan(random.Next(1024) * PageHasher.PageSizeBytes, PageHasher.PageSizeBytes).CopyTo(target);
            }
            else
            {
                random.NextBytes(target);
            }
        }

        _hashes = new ulong[Pages];
        _exact = PageHasher.Fingerprint(_memory);
        _parameters = BloomParameters.ForPages(Pages);
    }

    /// <summary>Hash every page, count zero pages: no allocation.</summary>
    [Benchmark]
    public int HashPages1GiB() => PageHasher.HashPages(_memory, _hashes, out _);

    /// <summary>Hash, sort and dedupe: the exact fingerprint (list).</summary>
    [Benchmark]
    public int ExactFingerprint1GiB() => PageHasher.Fingerprint(_memory).Count;

    /// <summary>Hash, then build the Bloom filter at the default 8 bits per page (256 KiB).</summary>
    [Benchmark]
    public long ExactAndBloomFingerprint1GiB()
    {
        var exact = PageHasher.Fingerprint(_memory);
        return BloomFingerprint.FromExact(exact, _parameters).ZeroBits;
    }

    /// <summary>Bloom filter from an existing list (the part the filter adds).</summary>
    [Benchmark]
    public long BloomFromList1GiB() => BloomFingerprint.FromExact(_exact, _parameters).ZeroBits;
}
