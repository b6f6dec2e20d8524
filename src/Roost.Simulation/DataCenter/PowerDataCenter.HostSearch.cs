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

    // A node this small, or over which G_r is flat to within FlatWatts, is scanned leaf by leaf.
    private const int ScanSpan = 16;
    private const double FlatWatts = 1e-6;

    private readonly List<int> _searchExcludedHosts = [];
    private readonly double[] _breakpoints = new double[24];
    private readonly double[] _breakpointGains = new double[24];
    private HostSearchTree[]? _searchTrees;
    private bool _searchUnavailable;
    private int[] _searchPosition = [];
    private bool[] _searchExcluded = [];
    private double[] _searchKeys = [];
    private int[] _searchHosts = [];
    private bool _searchLive;
    private int _breakpointCount;

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
        for (var type = 0; type < _hostTypeStride; type++)
        {
            BuildSearchTree(type);
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
        _searchKeys = new double[trees.Max(t => t.LeafCount)];
        _searchHosts = new int[_searchKeys.Length];
        return true;
    }

    /// <summary>Lays one type's hosts out in increasing allocation (so node ranges are tight) and fills the tree.</summary>
    private void BuildSearchTree(int type)
    {
        var tree = SearchTree(type);
        var count = 0;
        for (var h = type; h < _hostCount; h += _hostTypeStride)
        {
            _searchKeys[count] = _allocatedForPlacement[h];
            _searchHosts[count] = h;
            count++;
        }

        Array.Sort(_searchKeys, _searchHosts, 0, count);
        for (var position = 0; position < count; position++)
        {
            var h = _searchHosts[position];
            tree.Place(position, h);
            _searchPosition[h] = position;
            WriteSearchLeaf(tree, h);
        }

        tree.Build();
    }

    private HostSearchTree SearchTree(int type) =>
        _searchTrees?[type] ?? throw new InvalidOperationException("the search trees are used before they were built");

    private void WriteSearchLeaf(HostSearchTree tree, int host)
    {
        var position = _searchPosition[host];
        if (_isCandidate[host] && !_searchExcluded[host])
        {
            var allocated = _allocatedForPlacement[host];
            var offset = ClampedWatts(tree.WattsAtTenths, allocated / tree.TotalMips) - _stalePower[host];
            tree.SetLeaf(position, allocated, _stalePower[host], offset, _availableMips[host], _ramFree[host], _bandwidthFree[host], ScreenKey(host));
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
        WriteSearchLeaf(tree, host);
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
            if (tree.PeMips < requested / _vmCores[vm] || tree.IsEmpty(1))
            {
                continue;
            }

            if (tree.UpdatesSinceBuild > (tree.LeafCount / 4) + 64)
            {
                BuildSearchTree(type);
            }

            PrepareBreakpoints(tree, requested);
            PrepareScreen(tree, vm);
            if (CouldChooseAny(tree, 1, vm, requested) && LowerBound(tree, 1, requested) <= minPowerDiff)
            {
                Visit(tree, 1, vm, requested, excluded, ref best, ref minPowerDiff);
            }
        }
    }

    private void Visit(HostSearchTree tree, int node, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
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

        if (IsFlat(tree, node, requested))
        {
            VisitFlat(tree, node, span, vm, requested, excluded, ref best, ref minPowerDiff);
            return;
        }

        var left = 2 * node;
        var right = left + 1;
        var leftBound = CouldChooseAny(tree, left, vm, requested) ? LowerBound(tree, left, requested) : double.PositiveInfinity;
        var rightBound = CouldChooseAny(tree, right, vm, requested) ? LowerBound(tree, right, requested) : double.PositiveInfinity;
        if (rightBound < leftBound)
        {
            (left, right) = (right, left);
            (leftBound, rightBound) = (rightBound, leftBound);
        }

        if (leftBound <= minPowerDiff)
        {
            Visit(tree, left, vm, requested, excluded, ref best, ref minPowerDiff);
        }

        if (rightBound <= minPowerDiff)
        {
            Visit(tree, right, vm, requested, excluded, ref best, ref minPowerDiff);
        }
    }

    /// <summary>
    /// A node where bounds cannot separate the leaves: descend on the cheap capacity and screen tests alone and scan
    /// the small runs of leaves that remain.
    /// </summary>
    private void VisitFlat(HostSearchTree tree, int node, int span, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        if (span <= ScanSpan)
        {
            ScanLeaves(tree, (node * span) - tree.LeafCount, span, vm, requested, excluded, ref best, ref minPowerDiff);
            return;
        }

        var left = 2 * node;
        if (CouldChooseAny(tree, left, vm, requested))
        {
            VisitFlat(tree, left, span / 2, vm, requested, excluded, ref best, ref minPowerDiff);
        }

        if (CouldChooseAny(tree, left + 1, vm, requested))
        {
            VisitFlat(tree, left + 1, span / 2, vm, requested, excluded, ref best, ref minPowerDiff);
        }
    }

    /// <summary>
    /// Whether G_r is constant over the node's allocation range. Then every leaf's increase is the same up to rounding
    /// and its offset, bounds cannot tell them apart, and a straight scan of the leaves is cheapest.
    /// </summary>
    private bool IsFlat(HostSearchTree tree, int node, double requested)
    {
        var low = tree.MinAllocated[node];
        var high = Math.Max(low, Math.Min(tree.MaxAllocated[node], tree.TotalMips - requested));
        for (var i = 0; i < _breakpointCount; i++)
        {
            var at = _breakpoints[i];
            if (at >= high)
            {
                break;
            }

            if (at > low)
            {
                return false;
            }
        }

        return Math.Abs(Gain(tree, high, requested) - Gain(tree, low, requested)) <= FlatWatts;
    }

    /// <summary>
    /// The exact comparison of the full scan over a run of leaves: a host reaches <see cref="Consider"/> only if its
    /// power increase, computed exactly as there, would beat the best so far; Consider then applies every test.
    /// </summary>
    private void ScanLeaves(HostSearchTree tree, int start, int count, int vm, double requested, int[]? excluded, ref int best, ref double minPowerDiff)
    {
        var allocated = tree.LeafAllocated.AsSpan(start, count);
        var stale = tree.LeafStalePower.AsSpan(start, count);
        var available = tree.LeafAvailable.AsSpan(start, count);
        var keys = tree.LeafScreenKey.AsSpan(start, count);
        var hosts = tree.LeafHost.Slice(start, count);
        var table = tree.WattsAtTenths;
        var total = tree.TotalMips;
        for (var i = 0; i < allocated.Length; i++)
        {
            if (available[i] < requested)
            {
                continue;
            }

            var after = (allocated[i] + requested) / total;
            if (after > 1)
            {
                continue;
            }

            var powerDiff = TableWatts(table, after) - stale[i];
            if (powerDiff > minPowerDiff)
            {
                continue;
            }

            var h = hosts[i];
            if ((powerDiff == minPowerDiff && h > best) || (excluded is not null && excluded[h] == _generation) || ScreensOutKey(keys[i], tree, requested))
            {
                continue;
            }

            Consider(h, vm, requested, ref best, ref minPowerDiff);
        }
    }

    /// <summary>False only when no leaf under the node can pass IsSuitable and the capacity test of the scan.</summary>
    private bool CouldChooseAny(HostSearchTree tree, int node, int vm, double requested)
    {
        if (tree.IsEmpty(node) || tree.MaxAvailable[node] < requested)
        {
            return false;
        }

        if (_vmInstantiating[vm] && (tree.MaxRamFree[node] < _vmRam[vm] || tree.MaxBandwidthFree[node] < _vmBandwidthMbps[vm]))
        {
            return false;
        }

        // (a + r) / T is monotone in a under rounding, so the least a decides whether any leaf stays within capacity.
        return (tree.MinAllocated[node] + requested) / tree.TotalMips <= 1 && !ScreensOut(tree, node, requested);
    }

    /// <summary>
    /// The breakpoints of G_r(a) = P((a + r) / T) − P(a / T) in a: where a or a + r crosses a tenth of capacity.
    /// Between consecutive breakpoints G_r is linear, so its minimum over an interval is at an end or a breakpoint.
    /// </summary>
    private void PrepareBreakpoints(HostSearchTree tree, double requested)
    {
        var total = tree.TotalMips;
        _breakpointCount = 0;
        for (var k = 1; k <= 10; k++)
        {
            AddBreakpoint(tree, (k * total / 10) - requested, requested);
            if (k < 10)
            {
                AddBreakpoint(tree, k * total / 10, requested);
            }
        }

        Array.Sort(_breakpoints, _breakpointGains, 0, _breakpointCount);
    }

    private void AddBreakpoint(HostSearchTree tree, double allocated, double requested)
    {
        if (allocated > 0 && allocated + requested < tree.TotalMips)
        {
            _breakpoints[_breakpointCount] = allocated;
            _breakpointGains[_breakpointCount] = Gain(tree, allocated, requested);
            _breakpointCount++;
        }
    }

    /// <summary>A value no leaf under the node can undercut: least G_r over its allocation range plus its least offset.</summary>
    private double LowerBound(HostSearchTree tree, int node, double requested)
    {
        var low = tree.MinAllocated[node];
        var high = Math.Max(low, Math.Min(tree.MaxAllocated[node], tree.TotalMips - requested));
        var least = Math.Min(Gain(tree, low, requested), Gain(tree, high, requested));
        for (var i = 0; i < _breakpointCount; i++)
        {
            var at = _breakpoints[i];
            if (at >= high)
            {
                break;
            }

            if (at > low && _breakpointGains[i] < least)
            {
                least = _breakpointGains[i];
            }
        }

        return least + tree.MinOffset[node] - BoundSlackWatts;
    }

    private static double Gain(HostSearchTree tree, double allocated, double requested) =>
        ClampedWatts(tree.WattsAtTenths, (allocated + requested) / tree.TotalMips) - ClampedWatts(tree.WattsAtTenths, allocated / tree.TotalMips);

    /// <summary>The SPECpower interpolation of <see cref="Watts"/>, with utilisation clamped to [0, 1].</summary>
    private static double ClampedWatts(double[] table, double utilization) =>
        utilization <= 0 ? table[0] : utilization >= 1 ? table[10] : TableWatts(table, utilization);

    /// <summary>CloudSim's PowerModelSpecPower interpolation; the one formula every power reading here uses.</summary>
    private static double TableWatts(double[] table, double utilization)
    {
        // Utilisation lies in [0, 1] here, so the conversions cannot overflow; unchecked spares the range test.
        var lower = unchecked((int)Math.Floor(utilization * 10));
        var upper = unchecked((int)Math.Ceiling(utilization * 10));
        var delta = (table[upper] - table[lower]) / 10;
        return table[lower] + (delta * (utilization - (lower / 10.0)) * 100);
    }
}
