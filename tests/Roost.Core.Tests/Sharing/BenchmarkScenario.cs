using System.Numerics;
using System.Runtime.InteropServices;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

/// <summary>
/// The scenario of the scale benchmark at full resolution, so that exact counts are known: <c>count</c> VMs of 1 GiB
/// (80 % of a 40,960-page common base and of their profile's 81,920-page base, 131,072 private pages) and
/// <c>count</c> hosts of 16 VMs drawn from a pool of 2 × <c>count</c>, the first <c>count</c> being the VMs
/// themselves. The bases are bitsets; a VM's private pages are shared only with hosts that hold it.
/// </summary>
internal static class BenchmarkScenario
{
    private const int Common = 40_960;
    private const int Profile = 81_920;
    private const int Private = 131_072;
    private const int BaseWords = (Common + (4 * Profile)) / 64;

    /// <summary>One sampling rate's errors of the exact-on-sample matrix against the exact counts.</summary>
    public sealed record Row(HashSampling Sampling, int Pairs, double Mean, double Max, int Beyond, double MaxSmall);

    public static List<Row> Errors(int count, int[] shifts)
    {
        var random = new Random(42);
        var baseHashes = new ulong[BaseWords * 64];
        random.NextBytes(MemoryMarshal.AsBytes(baseHashes.AsSpan()));
        var pool = Enumerable.Range(0, 2 * count).Select(i => NewVm(random, i % 4)).ToArray();
        var members = Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, 16).Select(_ => random.Next(pool.Length)).ToArray()).ToArray();
        var exact = ExactCounts(pool, members, count);

        var rows = new List<Row>();
        foreach (var shift in shifts)
        {
            var sampling = new HashSampling(shift);
            var lists = pool.Select(vm => Sampled(vm, baseHashes, sampling)).ToArray();
            var matrix = SharingEstimator.ListListMatrix(lists[..count], [.. members.Select(m => (IReadOnlyList<ExactFingerprint>)[.. m.Select(i => lists[i])])]);
            double sum = 0, max = 0, maxSmall = 0;
            var beyond = 0;
            for (var v = 0; v < count; v++)
            {
                for (var h = 0; h < count; h++)
                {
                    var error = Math.Abs(matrix[v][h] - exact[v][h]) / exact[v][h];
                    sum += error;
                    max = Math.Max(max, error);
                    maxSmall = exact[v][h] < 50_000 ? Math.Max(maxSmall, error) : maxSmall;
                    beyond += error > 0.05 ? 1 : 0;
                }
            }

            rows.Add(new Row(sampling, count * count, sum / (count * count), max, beyond, maxSmall));
        }

        return rows;
    }

    private static (ulong[] Base, ulong[] SampledPrivate) NewVm(Random random, int profile)
    {
        var bits = new ulong[BaseWords];
        foreach (var (from, to) in new[] { (0, Common), (Common + (profile * Profile), Common + ((profile + 1) * Profile)) })
        {
            for (var i = from; i < to; i++)
            {
                bits[i >> 6] |= random.NextDouble() < 0.8 ? 1UL << (i & 63) : 0;
            }
        }

        // Private pages: uniform hashes, of which only the one-in-8 sample (low 3 bits zero) is kept; coarser
        // samples are subsets of it.
        var hashes = new ulong[Private];
        random.NextBytes(MemoryMarshal.AsBytes(hashes.AsSpan()));
        return (bits, [.. hashes.Where(new HashSampling(3).Includes)]);
    }

    private static ExactFingerprint Sampled((ulong[] Base, ulong[] SampledPrivate) vm, ulong[] baseHashes, HashSampling sampling)
    {
        var hashes = new List<ulong>(vm.SampledPrivate.Where(sampling.Includes));
        for (var i = 0; i < baseHashes.Length; i++)
        {
            if ((vm.Base[i >> 6] & (1UL << (i & 63))) != 0 && sampling.Includes(baseHashes[i]))
            {
                hashes.Add(baseHashes[i]);
            }
        }

        return ExactFingerprint.FromPageHashes(CollectionsMarshal.AsSpan(hashes), 0, sampling);
    }

    /// <summary>
    /// |V ∩ H| at full resolution: base pages by bitset, private pages when the host holds the VM itself (random 64-bit
    /// hashes: a collision among the 2.6·10^8 private pages of the full scenario has probability ≈ 0.2 %, and would move
    /// one count by one).
    /// </summary>
    private static double[][] ExactCounts((ulong[] Base, ulong[] SampledPrivate)[] pool, int[][] members, int count)
    {
        var hostBase = members.Select(m =>
        {
            var bits = new ulong[BaseWords];
            foreach (var i in m)
            {
                for (var w = 0; w < BaseWords; w++)
                {
                    bits[w] |= pool[i].Base[w];
                }
            }

            return bits;
        }).ToArray();
        return [.. Enumerable.Range(0, count).Select(v => Enumerable.Range(0, count).Select(h =>
        {
            long shared = 0;
            for (var w = 0; w < BaseWords; w++)
            {
                shared += BitOperations.PopCount(pool[v].Base[w] & hostBase[h][w]);
            }

            return (double)(shared + (members[h].Contains(v) ? Private : 0));
        }).ToArray())];
    }
}
