using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// The host search's leaf kernel: scans a run of leaves for one query. For each leaf it computes the power increase
/// exactly as <see cref="SpecPowerTable.Watts"/> does (the same IEEE operations in the same order) minus the leaf's
/// stale power, and applies the cheap tests of PABFD's scan: capacity, "beats the best so far or ties it with a lower
/// host number", and the overload screen. Capacity and screen are tested on float copies rounded so that they can
/// only let more leaves through. Leaves are judged in chunks of <see cref="ChunkLeaves"/> against the best as it was
/// when the chunk began (a superset of what passes against the best as it moves, since it only improves); the leaves
/// that pass are then offered in order, and the offer repeats the tests exactly. A leaf never offered could not have
/// been chosen.
/// </summary>
/// <remarks>
/// Two implementations that offer the same leaves with the same bits: eight lanes at a time with AVX-512
/// (<see cref="ScanVector"/>), and the scalar one beside it (<see cref="ScanScalar"/>), used where AVX-512 is missing,
/// for a run's last leaves that fill no vector, and by the tests as the vector one's reference.
/// </remarks>
internal static class LeafKernel
{
    /// <summary>Leaves judged between offers (one bit each in a mask).</summary>
    public const int ChunkLeaves = 64;

    public static bool IsVectorized { get; } = Avx512F.IsSupported && Avx512DQ.IsSupported;

    /// <summary>
    /// Scans every leaf of <paramref name="leaves"/>: whole vectors with AVX-512 where available, the rest scalar.
    /// <paramref name="scratch"/> holds at least <see cref="ChunkLeaves"/> doubles and belongs to the query.
    /// </summary>
    public static void Scan<TOffer>(in LeafColumns leaves, in LeafQuery query, Span<double> scratch, ref TOffer offer)
        where TOffer : struct, ILeafOffer
    {
        var vectors = IsVectorized ? leaves.Count / 8 * 8 : 0;
        if (vectors > 0)
        {
            ScanVector(leaves.Slice(0, vectors), query, scratch, ref offer);
        }

        if (vectors < leaves.Count)
        {
            ScanScalar(leaves.Slice(vectors, leaves.Count - vectors), query, scratch, ref offer, firstLeaf: vectors);
        }
    }

    /// <summary>The scalar kernel; leaves are offered as <paramref name="firstLeaf"/> + their index in the run.</summary>
    /// <remarks>
    /// The columns, the query's fields and the table are read into locals once, so the loop keeps them in registers
    /// (through the <c>in</c> parameters the JIT reloads them after every store to the scratch); the table index is
    /// converted unchecked, as <see cref="SpecPowerTable.Watts"/> does: 0 ≤ after ≤ 1 there, so it lies in [0, 10].
    /// </remarks>
    public static void ScanScalar<TOffer>(in LeafColumns leaves, in LeafQuery query, Span<double> scratch, ref TOffer offer, int firstLeaf = 0)
        where TOffer : struct, ILeafOffer
    {
        CheckLengths(leaves, scratch);
        var allocated = leaves.Allocated;
        var stale = leaves.StalePower;
        var available = leaves.AvailableAtLeast;
        var keys = leaves.ScreenKeyAtMost;
        var hosts = leaves.HostNumber;
        var requested = query.Requested;
        var total = query.TotalMips;
        var screen = query.Screen;
        var threshold = query.Threshold;
        var limit = query.Limit;
        var watts = query.Power.WattsAtTenths;
        var slopes = query.Power.Slopes;
        var tenths = query.Power.Tenths;
        for (var i = 0; i < allocated.Length; i += ChunkLeaves)
        {
            var chunk = Math.Min(ChunkLeaves, allocated.Length - i);
            var min = offer.MinPowerDiff;
            var bestHost = offer.BestHost;
            ulong passing = 0;
            for (var j = 0; j < chunk; j++)
            {
                var leaf = i + j;
                if (!(available[leaf] >= requested))
                {
                    continue;
                }

                var after = (allocated[leaf] + requested) / total;
                if (!(after <= 1) || LeafQuery.ScreensOut(screen, keys[leaf], requested, total, threshold, limit))
                {
                    continue;
                }

                // SpecPowerTable.Watts, spelled as the vector lanes compute it.
                var scaled = after * 10;
                var lower = Math.Floor(scaled);
                var index = unchecked((int)lower);
                var slope = lower == Math.Ceiling(scaled) ? 0 : slopes[index];
                var difference = watts[index] + (slope * (after - tenths[index]) * 100) - stale[leaf];
                if (difference < min || (difference == min && hosts[leaf] < bestHost))
                {
                    scratch[j] = difference;
                    passing |= 1UL << j;
                }
            }

            Offer(passing, scratch, firstLeaf + i, ref offer);
        }
    }

    /// <summary>The AVX-512 kernel over a run of whole vectors (a multiple of 8 leaves).</summary>
    public static void ScanVector<TOffer>(in LeafColumns leaves, in LeafQuery query, Span<double> scratch, ref TOffer offer)
        where TOffer : struct, ILeafOffer
    {
        CheckLengths(leaves, scratch);
        if (leaves.Count % 8 != 0 || !IsVectorized)
        {
            throw new ArgumentException($"the vector kernel scans whole vectors of 8 leaves on AVX-512, not {leaves.Count}", nameof(leaves));
        }

        // Lengths are checked above: every read below is within the columns, every write within the scratch.
        ref var allocated = ref MemoryMarshal.GetReference(leaves.Allocated);
        ref var stale = ref MemoryMarshal.GetReference(leaves.StalePower);
        ref var available = ref MemoryMarshal.GetReference(leaves.AvailableAtLeast);
        ref var keys = ref MemoryMarshal.GetReference(leaves.ScreenKeyAtMost);
        ref var hosts = ref MemoryMarshal.GetReference(leaves.HostNumber);
        ref var differences = ref MemoryMarshal.GetReference(scratch);
        var table = query.Power.Vectors;
        var request = Vector512.Create(query.Requested);
        var totals = Vector512.Create(query.TotalMips);
        var threshold = Vector512.Create(query.Threshold);
        var limit = Vector512.Create(query.Limit);
        var one = Vector512.Create(1.0);
        var ten = Vector512.Create(10.0);
        var hundred = Vector512.Create(100.0);
        var zero = Vector512<double>.Zero;

        // Indices stay below Count (checked above), so the arithmetic cannot overflow.
        unchecked
        {
            for (var i = 0; i < leaves.Count; i += ChunkLeaves)
            {
                var chunk = Math.Min(ChunkLeaves, leaves.Count - i);
                var min = Vector512.Create(offer.MinPowerDiff);
                var bestHost = Vector512.Create(offer.BestHost);
                ulong passing = 0;
                for (var j = 0; j < chunk; j += 8)
                {
                    var at = (nuint)(i + j);
                    var after = (Vector512.LoadUnsafe(ref allocated, at) + request) / totals;
                    var scaled = after * ten;
                    var lower = Vector512.Floor(scaled);
                    var index = Avx512DQ.ConvertToVector512Int64(lower);
                    var low = Avx512F.PermuteVar8x64x2(table.WattsLow, index, table.WattsHigh);
                    var slope = Vector512.ConditionalSelect(
                        Vector512.Equals(lower, Vector512.Ceiling(scaled)), zero, Avx512F.PermuteVar8x64x2(table.SlopesLow, index, table.SlopesHigh));
                    var point = Avx512F.PermuteVar8x64x2(table.TenthsLow, index, table.TenthsHigh);
                    var difference = low + (slope * (after - point) * hundred) - Vector512.LoadUnsafe(ref stale, at);
                    var improves = Vector512.LessThan(difference, min)
                        | (Vector512.Equals(difference, min) & Vector512.LessThan(Widen(ref hosts, at), bestHost));
                    var passes = Vector512.GreaterThanOrEqual(Widen(ref available, at), request)
                        & Vector512.LessThanOrEqual(after, one)
                        & improves;
                    if (query.Screen == ScreenKind.Threshold)
                    {
                        passes &= ~Vector512.GreaterThan((Widen(ref keys, at) + request) / totals, threshold);
                    }
                    else if (query.Screen == ScreenKind.Regression)
                    {
                        passes &= Vector512.LessThan(Widen(ref keys, at), limit);
                    }

                    difference.StoreUnsafe(ref differences, (nuint)j);
                    passing |= (ulong)passes.ExtractMostSignificantBits() << j;
                }

                Offer(passing, scratch, i, ref offer);
            }
        }
    }

    /// <summary>Offers the passing leaves of a chunk in order; the offer sees the best as it moves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer<TOffer>(ulong passing, Span<double> differences, int chunkStart, ref TOffer offer)
        where TOffer : struct, ILeafOffer
    {
        while (passing != 0)
        {
            var lane = BitOperations.TrailingZeroCount(passing);
            passing &= passing - 1;
            offer.Offer(chunkStart + lane, differences[lane]);
        }
    }

    private static void CheckLengths(in LeafColumns leaves, Span<double> scratch)
    {
        if (leaves.StalePower.Length != leaves.Count || leaves.AvailableAtLeast.Length != leaves.Count
            || leaves.ScreenKeyAtMost.Length != leaves.Count || leaves.HostNumber.Length != leaves.Count)
        {
            throw new ArgumentException("every leaf column must hold the leaves scanned", nameof(leaves));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(scratch.Length, ChunkLeaves, nameof(scratch));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Widen(ref float first, nuint offset) => Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref first, offset));
}

/// <summary>Where the kernel sends the leaves that pass, and the best so far it judges them against.</summary>
internal interface ILeafOffer
{
    /// <summary>The least power increase found so far.</summary>
    double MinPowerDiff { get; }

    /// <summary>The host number of the best so far (−1 if none), as a double.</summary>
    double BestHost { get; }

    /// <summary>A leaf (its index in the run scanned) passed the cheap tests with this exact power increase.</summary>
    void Offer(int leaf, double powerDiff);
}

/// <summary>
/// A run of leaves as the kernel reads them: allocation and stale power exactly, and float copies of available MIPS
/// (rounded up), screen key (rounded down) and host number (exact below 2^24; <c>float.MaxValue</c> for padding).
/// </summary>
internal readonly ref struct LeafColumns(
    ReadOnlySpan<double> allocated,
    ReadOnlySpan<double> stalePower,
    ReadOnlySpan<float> availableAtLeast,
    ReadOnlySpan<float> screenKeyAtMost,
    ReadOnlySpan<float> hostNumber)
{
    public int Count => Allocated.Length;

    public ReadOnlySpan<double> Allocated { get; } = allocated;

    public ReadOnlySpan<double> StalePower { get; } = stalePower;

    public ReadOnlySpan<float> AvailableAtLeast { get; } = availableAtLeast;

    public ReadOnlySpan<float> ScreenKeyAtMost { get; } = screenKeyAtMost;

    public ReadOnlySpan<float> HostNumber { get; } = hostNumber;

    public LeafColumns Slice(int start, int count) => new(
        Allocated.Slice(start, count),
        StalePower.Slice(start, count),
        AvailableAtLeast.Slice(start, count),
        ScreenKeyAtMost.Slice(start, count),
        HostNumber.Slice(start, count));
}

/// <summary>
/// One query as the kernel sees it: the request (MIPS), the host type's capacity and power table, and the overload
/// screen for this type (THR: threshold on (key + request) / capacity; LR: key below the query's limit).
/// </summary>
internal readonly record struct LeafQuery(double Requested, double TotalMips, SpecPowerTable Power, ScreenKind Screen, double Threshold, double Limit)
{
    /// <summary>The vector lanes' screen test on a key rounded down: whether the leaf surely overloads.</summary>
    public bool ScreensOut(double keyAtMost) => ScreensOut(Screen, keyAtMost, Requested, TotalMips, Threshold, Limit);

    /// <summary>The same test on the query's fields passed one by one (the scalar kernel keeps them in locals).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ScreensOut(ScreenKind screen, double keyAtMost, double requested, double totalMips, double threshold, double limit) => screen switch
    {
        ScreenKind.Threshold => (keyAtMost + requested) / totalMips > threshold,
        ScreenKind.Regression => !(keyAtMost < limit),
        _ => false,
    };
}
