using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// PABFD's host search without a scan of every candidate: one <see cref="HostSearchTree"/> per host type, searched
/// branch-and-bound. A subtree is skipped only when no host in it can be suitable or its least possible power increase
/// exceeds the best found so far by more than <see cref="BoundSlackWatts"/>; every host not skipped is judged by the
/// same exact comparison as the full scan, so the chosen host is the one the scan would choose, bit for bit.
/// </summary>
/// <remarks>
/// The trees mirror <c>_isCandidate</c> and the exclusions of the phase being planned while <c>_searchLive</c> is set
/// (from <see cref="IndexHosts"/> until planning is undone); every change to a host's allocation, capacity or
/// exclusion goes through <see cref="OnSearchHostChanged"/> or <see cref="ExcludeFromSearch"/>. Hosts whose power model
/// is not a SPECpower table fall back to the plain scan.
/// </remarks>
internal sealed partial class PowerDataCenter
{
    // Rounding in the bounds and in the exact power differences is below 1e-12 W; the slack only costs a few visits.
    private const double BoundSlackWatts = 1e-9;

    // A host whose offset is within this of zero is laid out with those without one (by allocation).
    private const double PlainOffsetWatts = 1e-6;

    // Offset-area layout under LR: keys this far below the threshold and more in one band, the rest in bands this wide
    // (a key of 1 is a forecast of full utilisation), at most this many, each spanning more than any offset (watts) so
    // that bands never interleave.
    private const double ScreenBandDepth = 0.15;
    private const double ScreenBandWidth = 0.02;
    private const double MaxScreenBand = 100;
    private const double ScreenBandSpan = 1e6;

    // A node this small, or over which G_r is flat to within FlatWatts, is scanned leaf by leaf.
    private const int ScanSpan = 64;
    private const double FlatWatts = 1e-6;

    // Leaves the vector scan judges between offers (a multiple of 8, at most 64: one bit each in a mask).
    private const int ChunkLeaves = 64;

    private readonly List<int> _searchExcludedHosts = [];
    private HostSearchTree[]? _searchTrees;
    private bool _searchUnavailable;
    private readonly bool _vectorLeafScan;
    private int[] _searchPosition = [];
    private bool[] _searchExcluded = [];
    // Per host type: scratch for laying the type's hosts out (sort keys, hosts, their offsets), one set per type so
    // that types can be built at once.
    private double[][] _searchKeys = [];
    private int[][] _searchHosts = [];
    private double[][] _searchOffsets = [];
    private bool _searchLive;
    private readonly double[] _scanDifferences = new double[ChunkLeaves];

    /// <summary>Rebuilds every tree from the current host state; called once the stale powers are known.</summary>
    private void BuildSearchTrees()
    {
        if (_searchUnavailable)
        {
            return;
        }

        if (_searchTrees is null && !CreateSearchTrees())
        {
            _searchUnavailable = true;
            return;
        }

        foreach (var h in _searchExcludedHosts)
        {
            _searchExcluded[h] = false;
        }

        _searchExcludedHosts.Clear();

        // A type's tree touches only that type's hosts (their leaves, positions and cached screen keys), so large
        // fleets build the types' trees at once.
        if (_hostCount >= _parallelHostThreshold)
        {
            Parallel.For(0, _hostTypeStride, BuildSearchTree);
        }
        else
        {
            for (var type = 0; type < _hostTypeStride; type++)
            {
                BuildSearchTree(type);
            }
        }

        _searchLive = true;
    }

    private bool CreateSearchTrees()
    {
        var trees = new HostSearchTree[_hostTypeStride];
        for (var type = 0; type < _hostTypeStride; type++)
        {
            if (type >= _hostCount || _hostWattTable[type] is not { } table)
            {
                return false;
            }

            var count = ((_hostCount - 1 - type) / _hostTypeStride) + 1;
            trees[type] = new HostSearchTree(count, table, _hostTotalMips[type], _hostPeMips[type]);
        }

        _searchTrees = trees;
        InitializeOverloadScreen();
        _searchPosition = new int[_hostCount];
        _searchExcluded = new bool[_hostCount];
        _searchKeys = [.. trees.Select(t => new double[t.LeafCount])];
        _searchHosts = [.. trees.Select(t => new int[t.LeafCount])];
        _searchOffsets = [.. trees.Select(t => new double[t.LeafCount])];
        return true;
    }

    /// <summary>
    /// Lays one type's hosts out: those without an offset (and the inactive ones) in increasing allocation, then the
    /// others by <see cref="OffsetAreaKey"/> (see <see cref="HostSearchTree"/>), and fills the tree.
    /// </summary>
    private void BuildSearchTree(int type)
    {
        var tree = SearchTree(type);
        var keys = _searchKeys[type];
        var hosts = _searchHosts[type];
        var offsets = _searchOffsets[type];
        var plain = 0;
        var withOffset = keys.Length;
        for (var h = type; h < _hostCount; h += _hostTypeStride)
        {
            // The host's own index keeps its offset through the sort, which permutes keys and hosts only.
            var offset = IsSearchable(h) ? SearchOffset(tree, h) : 0;
            offsets[h / _hostTypeStride] = offset;
            if (HasPlainOffset(offset))
            {
                keys[plain] = _allocatedForPlacement[h];
                hosts[plain++] = h;
            }
            else
            {
                keys[--withOffset] = OffsetAreaKey(h, offset);
                hosts[withOffset] = h;
            }
        }

        Array.Sort(keys, hosts, 0, plain);
        Array.Sort(keys, hosts, withOffset, keys.Length - withOffset);
        tree.Clear();
        for (var i = 0; i < plain; i++)
        {
            _searchPosition[hosts[i]] = tree.PlacePlain(i, hosts[i], keys[i]);
            WriteSearchLeaf(tree, hosts[i], offsets[hosts[i] / _hostTypeStride]);
        }

        tree.StartOffsetArea();
        for (var i = withOffset; i < keys.Length; i++)
        {
            _searchPosition[hosts[i]] = tree.PlaceWithOffset(hosts[i]);
            WriteSearchLeaf(tree, hosts[i], offsets[hosts[i] / _hostTypeStride]);
        }

        tree.Build();
    }

    /// <summary>
    /// Where a host goes in the offset area when the tree is built: by overload-screen band, then by offset. Under LR
    /// the screen rejects a host for a VM when the host's forecast (its key) is within the VM's forecast of the
    /// threshold; keys further below than <see cref="ScreenBandDepth"/> are rejected for almost no VM and share band 0,
    /// the rest go in bands <see cref="ScreenBandWidth"/> wide. The hosts a query's screen rejects then share blocks,
    /// which the screen skips whole, instead of setting the bounds of blocks of hosts it accepts (they sit high in the
    /// cheapest piece of G_r with small offsets). 20,000 hosts: offset-area leaves scanned −21 %, node visits −6 %.
    /// </summary>
    private double OffsetAreaKey(int host, double offset)
    {
        if (!_screenByRegression)
        {
            return offset;
        }

        var above = ScreenKey(host) - ((1 / _screenSafety) - ScreenBandDepth);
        var band = above > 0 ? Math.Min(MaxScreenBand, Math.Floor(above / ScreenBandWidth)) + 1 : 0;
        return (band * ScreenBandSpan) + offset;
    }

    /// <summary>Whether a host with this offset is laid out with those without one (see <see cref="PlainOffsetWatts"/>).</summary>
    private static bool HasPlainOffset(double offset) => Math.Abs(offset) <= PlainOffsetWatts;

    private bool IsSearchable(int host) => _isCandidate[host] && !_searchExcluded[host];

    /// <summary>The host's offset d = P(a / T) − stale power (zero while its allocation is what its power says).</summary>
    private double SearchOffset(HostSearchTree tree, int host) =>
        tree.Power.ClampedWatts(_allocatedForPlacement[host] / tree.TotalMips) - _stalePower[host];

    private HostSearchTree SearchTree(int type) =>
        _searchTrees?[type] ?? throw new InvalidOperationException("the search trees are used before they were built");

    /// <summary>Writes the host's leaf: its values with <paramref name="offset"/> (its <see cref="SearchOffset"/>) if searchable, else empty.</summary>
    private void WriteSearchLeaf(HostSearchTree tree, int host, double offset)
    {
        var position = _searchPosition[host];
        if (IsSearchable(host))
        {
            tree.SetLeaf(position, _allocatedForPlacement[host], _stalePower[host], offset, _availableMips[host], _ramFree[host], _bandwidthFree[host], ScreenKey(host));
        }
        else
        {
            tree.ClearLeaf(position);
        }
    }

    /// <summary>A host's allocation, capacity or candidacy changed while planning.</summary>
    private void OnSearchHostChanged(int host)
    {
        if (!_searchLive)
        {
            return;
        }

        var tree = SearchTree(_hostTypeIndex[host]);
        var offset = 0.0;
        if (IsSearchable(host))
        {
            offset = SearchOffset(tree, host);
            _searchPosition[host] = tree.Relocate(_searchPosition[host], !HasPlainOffset(offset), _allocatedForPlacement[host]);
        }

        WriteSearchLeaf(tree, host, offset);
        tree.Propagate(_searchPosition[host]);
    }

    /// <summary>The host is excluded as a target for the rest of the phase being planned.</summary>
    private void ExcludeFromSearch(int host)
    {
        if (!_searchLive || _searchExcluded[host])
        {
            return;
        }

        _searchExcluded[host] = true;
        _searchExcludedHosts.Add(host);
        OnSearchHostChanged(host);
    }

    /// <summary>A new exclusion set starts (the next planning phase): every host is searchable again.</summary>
    private void ResetSearchExclusions()
    {
        if (!_searchLive)
        {
            return;
        }

        foreach (var h in _searchExcludedHosts)
        {
            _searchExcluded[h] = false;
            OnSearchHostChanged(h);
        }

        _searchExcludedHosts.Clear();
    }

    /// <summary>Offers every candidate host of every type to <see cref="Consider"/>, skipping subtrees that cannot win.</summary>
    private void SearchCandidates(int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        for (var type = 0; type < _hostTypeStride; type++)
        {
            var tree = SearchTree(type);

            // Every leaf fails the core-size test of IsSuitable at once.
            if (tree.PeMips < requested / _vm[vm].Cores || tree.IsEmpty(1))
            {
                continue;
            }

            if (tree.UpdatesSinceBuild > (tree.LeafCount / 4) + 64 || tree.IsFull)
            {
                BuildSearchTree(type);
            }

            PrepareBreakpoints(tree, requested);
            PrepareScreen(tree, vm);
            SearchTreeOf(tree, vm, requested, excluded, ref best, ref minPowerDiff);
        }
    }

    private void SearchTreeOf(HostSearchTree tree, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        if (CouldChooseAny(tree, 1, vm, requested) && LowerBound(tree, 1, requested, out var flat) <= minPowerDiff)
        {
            Visit(tree, 1, flat, vm, requested, excluded, ref best, ref minPowerDiff);
        }
    }

    /// <summary>
    /// Searches under a node whose bound did not exclude it; <paramref name="flat"/> says whether G_r is constant over
    /// its allocation range (then every leaf's increase is the same up to rounding and its offset, bounds cannot tell
    /// them apart, and a straight scan of the leaves is cheapest).
    /// </summary>
    private void Visit(HostSearchTree tree, int node, bool flat, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        var first = node;
        var span = 1;
        while (first < tree.LeafCount)
        {
            first *= 2;
            span *= 2;
        }

        if (span <= ScanSpan)
        {
            ScanLeaves(tree, first - tree.LeafCount, span, vm, requested, excluded, ref best, ref minPowerDiff);
            return;
        }

        if (flat)
        {
            // Every leaf below is flat too; skip a half with nothing to choose (inactive hosts, padding) rather
            // than scanning it, and scan once both halves hold candidates.
            var leftChoosable = CouldChooseAny(tree, 2 * node, vm, requested);
            var rightChoosable = CouldChooseAny(tree, (2 * node) + 1, vm, requested);
            if (leftChoosable && rightChoosable)
            {
                ScanLeaves(tree, first - tree.LeafCount, span, vm, requested, excluded, ref best, ref minPowerDiff);
            }
            else if (leftChoosable || rightChoosable)
            {
                Visit(tree, leftChoosable ? 2 * node : (2 * node) + 1, flat: true, vm, requested, excluded, ref best, ref minPowerDiff);
            }

            return;
        }

        var left = 2 * node;
        var right = left + 1;
        var leftFlat = false;
        var rightFlat = false;
        var leftBound = CouldChooseAny(tree, left, vm, requested) ? LowerBound(tree, left, requested, out leftFlat) : double.PositiveInfinity;
        var rightBound = CouldChooseAny(tree, right, vm, requested) ? LowerBound(tree, right, requested, out rightFlat) : double.PositiveInfinity;
        if (rightBound < leftBound)
        {
            (left, right) = (right, left);
            (leftBound, rightBound) = (rightBound, leftBound);
            (leftFlat, rightFlat) = (rightFlat, leftFlat);
        }

        if (leftBound <= minPowerDiff)
        {
            Visit(tree, left, leftFlat, vm, requested, excluded, ref best, ref minPowerDiff);
        }

        if (rightBound <= minPowerDiff)
        {
            Visit(tree, right, rightFlat, vm, requested, excluded, ref best, ref minPowerDiff);
        }
    }

    /// <summary>
    /// The exact comparison of the full scan over a run of leaves: a host reaches <see cref="Consider"/> only if its
    /// power increase, computed exactly as there, would beat the best so far; Consider then applies every test.
    /// </summary>
    private void ScanLeaves(HostSearchTree tree, int start, int count, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        var i = 0;
        if (_vectorLeafScan && count >= 8)
        {
            i = ScanLeavesAvx512(tree, start, count, vm, requested, excluded, ref best, ref minPowerDiff);
        }

        var allocated = tree.LeafAllocated.AsSpan(start, count);
        var stale = tree.LeafStalePower.AsSpan(start, count);
        var available = tree.LeafAvailable.AsSpan(start, count);
        for (; i < allocated.Length; i++)
        {
            if (available[i] < requested)
            {
                continue;
            }

            var after = (allocated[i] + requested) / tree.TotalMips;
            if (after > 1)
            {
                continue;
            }

            OfferLeaf(tree, start + i, tree.Power.Watts(after) - stale[i], vm, requested, excluded, ref best, ref minPowerDiff);
        }
    }

    /// <summary>
    /// Eight leaves at a time: each lane computes the power difference exactly as <see cref="SpecPowerTable.Watts"/> does (the
    /// same IEEE operations in the same order) and applies the scan's cheap tests (capacity, would it beat or tie the
    /// best so far with a lower host number, overload screen); only lanes that pass all of them reach
    /// <see cref="OfferLeaf"/>, in order, which repeats the tests against the best as it is then. The scan is bound
    /// by the bytes it reads, so capacity and screen are tested on float copies rounded so that they can only let
    /// more leaves through (Consider and OfferLeaf test those exactly). Returns the number of leaves handled (a
    /// multiple of eight).
    /// </summary>
    private int ScanLeavesAvx512(HostSearchTree tree, int start, int count, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        // The leaves are read through references with the bounds checked once here: the loop reads leaves
        // [start, start + count) of arrays of LeafCount entries, and writes at most ChunkLeaves differences.
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)start + (uint)count, (uint)tree.LeafCount, nameof(count));
        ref var allocated = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tree.LeafAllocated), start);
        ref var stale = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tree.LeafStalePower), start);
        ref var available = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tree.LeafAvailableAtLeast), start);
        ref var keys = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tree.LeafScreenKeyAtMost), start);
        ref var hosts = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(tree.LeafHostNumber), start);
        ref var differences = ref MemoryMarshal.GetArrayDataReference(_scanDifferences);
        var table = tree.Power.Vectors;
        var tableLow = table.WattsLow;
        var tableHigh = table.WattsHigh;
        var slopesLow = table.SlopesLow;
        var slopesHigh = table.SlopesHigh;
        var tenthsLow = table.TenthsLow;
        var tenthsHigh = table.TenthsHigh;
        var request = Vector512.Create(requested);
        var totals = Vector512.Create(tree.TotalMips);
        var one = Vector512.Create(1.0);
        var ten = Vector512.Create(10.0);
        var zero = Vector512<double>.Zero;
        var hundred = Vector512.Create(100.0);

        // The screen as a per-lane test on the key: THR screens (key + r) / T > threshold, LR key >= limit.
        var screenByThreshold = _screenByThreshold;
        var screenByRegression = _screenByRegression;
        var threshold = Vector512.Create(_screenThreshold);
        var limit = Vector512.Create(tree.ScreenLimit);
        // Chunks of up to 64 leaves are judged against the best as it was when the chunk began (a superset of what
        // would pass against the best as it moves: it only ever improves), with no call inside the vector loop; the
        // lanes that pass are then offered in order.
        // (A scratch array of the instance rather than stackalloc: no zeroing per call; the search is single-threaded.)
        var i = 0;

        // Indices stay below count ≤ LeafCount (checked above), so the loop's arithmetic cannot overflow.
        unchecked
        {
            var vectors = count / 8 * 8;
            while (i < vectors)
            {
                var chunk = Math.Min(ChunkLeaves, vectors - i);
                var min = Vector512.Create(minPowerDiff);
                var bestHost = Vector512.Create((double)best);
                ulong passing = 0;
                for (var j = 0; j < chunk; j += 8)
                {
                    var at = (nuint)(i + j);
                    var after = (Vector512.LoadUnsafe(ref allocated, at) + request) / totals;
                    var scaled = after * ten;
                    var lower = Vector512.Floor(scaled);
                    var index = Avx512DQ.ConvertToVector512Int64(lower);
                    var low = Avx512F.PermuteVar8x64x2(tableLow, index, tableHigh);
                    var slope = Vector512.ConditionalSelect(
                        Vector512.Equals(lower, Vector512.Ceiling(scaled)), zero, Avx512F.PermuteVar8x64x2(slopesLow, index, slopesHigh));
                    var point = Avx512F.PermuteVar8x64x2(tenthsLow, index, tenthsHigh);
                    var difference = low + (slope * (after - point) * hundred) - Vector512.LoadUnsafe(ref stale, at);
                    var improves = Vector512.LessThan(difference, min)
                        | (Vector512.Equals(difference, min) & Vector512.LessThan(Widen(ref hosts, at), bestHost));
                    var passes = Vector512.GreaterThanOrEqual(Widen(ref available, at), request)
                        & Vector512.LessThanOrEqual(after, one)
                        & improves;
                    if (screenByThreshold)
                    {
                        passes &= ~Vector512.GreaterThan((Widen(ref keys, at) + request) / totals, threshold);
                    }
                    else if (screenByRegression)
                    {
                        passes &= Vector512.LessThan(Widen(ref keys, at), limit);
                    }

                    difference.StoreUnsafe(ref differences, (nuint)j);
                    passing |= (ulong)passes.ExtractMostSignificantBits() << j;
                }

                while (passing != 0)
                {
                    var lane = BitOperations.TrailingZeroCount(passing);
                    passing &= passing - 1;
                    OfferLeaf(tree, start + i + lane, _scanDifferences[lane], vm, requested, excluded, ref best, ref minPowerDiff);
                }

                i += chunk;
            }
        }

        return i;
    }

    private static Vector512<double> Widen(ref float first, nuint offset) => Avx512F.ConvertToVector512Double(Vector256.LoadUnsafe(ref first, offset));

    /// <summary>A leaf within capacity whose exact power difference is known: the rest of the scan's tests, then Consider.</summary>
    private void OfferLeaf(HostSearchTree tree, int position, double powerDiff, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        if (powerDiff > minPowerDiff)
        {
            return;
        }

        var h = tree.LeafHost[position];
        if ((powerDiff == minPowerDiff && h > best) || (excluded is not null && excluded[h] == _generation) || ScreensOutKey(tree.LeafScreenKey[position], tree, requested))
        {
            return;
        }

        Consider(h, vm, requested, ref best, ref minPowerDiff);
    }

    /// <summary>False only when no leaf under the node can pass IsSuitable and the capacity test of the scan.</summary>
    private bool CouldChooseAny(HostSearchTree tree, int node, int vm, double requested)
    {
        if (tree.IsEmpty(node) || tree.Nodes[node].MaxAvailable < requested)
        {
            return false;
        }

        if (_vm[vm].Instantiating && (tree.MaxRamFree[node] < _vm[vm].Ram || tree.MaxBandwidthFree[node] < _vmBandwidthMbps[vm]))
        {
            return false;
        }

        // (a + r) / T is monotone in a under rounding, so the least a decides whether any leaf stays within capacity.
        return (tree.Nodes[node].MinAllocated + requested) / tree.TotalMips <= 1 && !ScreensOut(tree, node, requested);
    }

    /// <summary>
    /// The breakpoints of G_r(a) = P((a + r) / T) − P(a / T) in a: where a or a + r crosses a tenth of capacity.
    /// Between consecutive breakpoints G_r is linear, so its minimum over an interval is at an end or a breakpoint;
    /// the pieces are stored with their slopes so that a bound needs no power-table lookups.
    /// </summary>
    private static void PrepareBreakpoints(HostSearchTree tree, double requested)
    {
        var total = tree.TotalMips;
        tree.BreakpointCount = 0;

        // Two increasing sequences, merged in order: a + r at a tenth (k = 1…10) and a at a tenth (k = 1…9).
        var k = 1;
        var j = 1;
        while (k <= 10 || j <= 9)
        {
            var crossing = k <= 10 ? (k * total / 10) - requested : double.PositiveInfinity;
            var tenth = j <= 9 ? j * total / 10 : double.PositiveInfinity;
            if (crossing <= tenth)
            {
                AddBreakpoint(tree, crossing, requested);
                k++;
            }
            else
            {
                AddBreakpoint(tree, tenth, requested);
                j++;
            }
        }

        // Pieces: [0, b0], [b0, b1], …, [b(m−1), T − r]; a leaf past T − r fails the capacity test.
        var count = tree.BreakpointCount;
        var start = tree.PieceStart;
        var gain = tree.PieceGain;
        var slope = tree.PieceSlope;
        start[0] = 0;
        gain[0] = Gain(tree, 0, requested);
        var end = Math.Max(start[count], total - requested);
        var endGain = Gain(tree, end, requested);
        for (var p = 0; p <= count; p++)
        {
            var nextStart = p < count ? start[p + 1] : end;
            var nextGain = p < count ? gain[p + 1] : endGain;
            var length = nextStart - start[p];
            slope[p] = length > 0 ? (nextGain - gain[p]) / length : 0;
        }
    }

    private static void AddBreakpoint(HostSearchTree tree, double allocated, double requested)
    {
        if (allocated > 0 && allocated + requested < tree.TotalMips)
        {
            tree.BreakpointCount++;
            tree.PieceStart[tree.BreakpointCount] = allocated;
            tree.PieceGain[tree.BreakpointCount] = Gain(tree, allocated, requested);
        }
    }

    /// <summary>
    /// A value no leaf under the node can undercut: least G_r over its allocation range plus its least offset; and
    /// whether G_r is flat there (no breakpoint inside and equal ends to within <see cref="FlatWatts"/>). G_r at the
    /// ends is read off its linear piece, which differs from evaluating it by rounding far below
    /// <see cref="BoundSlackWatts"/> however short the piece (the error is at most the rounding of its end values).
    /// </summary>
    private static double LowerBound(HostSearchTree tree, int node, double requested, out bool flat)
    {
        ref readonly var aggregates = ref tree.Nodes[node];
        var low = aggregates.MinAllocated;
        var high = Math.Max(low, Math.Min(aggregates.MaxAllocated, tree.TotalMips - requested));
        var breakpoints = tree.PieceStart.AsSpan(1, tree.BreakpointCount);

        // The piece holding low: after every breakpoint at or below it.
        var lo = HostSearchTree.CountAtMost(breakpoints, low);
        var lowGain = PieceValue(tree, lo, low);
        var least = lowGain;

        // Breakpoints strictly inside (low, high), then the piece holding high.
        var piece = lo;
        while (piece < breakpoints.Length && breakpoints[piece] < high)
        {
            least = Math.Min(least, tree.PieceGain[piece + 1]);
            piece++;
        }

        var highGain = PieceValue(tree, piece, high);
        least = Math.Min(least, highGain);
        flat = piece == lo && Math.Abs(highGain - lowGain) <= FlatWatts;
        return least + aggregates.MinOffset - BoundSlackWatts;
    }

    private static double PieceValue(HostSearchTree tree, int piece, double allocated) =>
        tree.PieceGain[piece] + (tree.PieceSlope[piece] * (allocated - tree.PieceStart[piece]));

    /// <summary>
    /// G_r(a) for the bounds: utilisation by multiplying with 1 / T rather than dividing, which moves the result by
    /// far less than <see cref="BoundSlackWatts"/>; the exact comparison never uses it.
    /// </summary>
    private static double Gain(HostSearchTree tree, double allocated, double requested) =>
        tree.Power.ClampedWatts((allocated + requested) * tree.InverseTotalMips) - tree.Power.ClampedWatts(allocated * tree.InverseTotalMips);
}
