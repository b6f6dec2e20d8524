using System.Diagnostics;

namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// PABFD's host search without a scan of every candidate: one <see cref="HostSearchTree"/> per host type, searched
/// branch and bound. A subtree is skipped only when no host in it can pass the capacity and screen tests, or when its
/// least possible power increase exceeds the best found so far by more than <see cref="GainPieces.BoundSlackWatts"/>;
/// every host not skipped goes to the judge, which applies the same exact comparison as the full scan, so the chosen
/// host is the one the scan would choose, bit for bit. Needs a SPECpower table for every host type.
/// </summary>
/// <remarks>
/// Where G_r is flat over a node (its hosts tie up to rounding and their offsets, which no bound can separate), the
/// node's leaves are scanned by <see cref="LeafKernel"/>; so are nodes of <see cref="ScanSpan"/> leaves or fewer.
/// The search owns a copy of every host's state, the trees' layout and the exclusions; per-query scratch lives in
/// the <see cref="HostQuery"/>.
/// </remarks>
internal sealed class TreeHostSearch : IHostSearch
{
    // A host whose offset is within this of zero is laid out with those without one (by allocation).
    private const double PlainOffsetWatts = 1e-6;

    // A node this small, or over which G_r is flat, is scanned leaf by leaf.
    private const int ScanSpan = 64;

    private readonly HostSearchTree[] _trees;
    private readonly ScreenRule _screen;
    private readonly int _parallelHostThreshold;
    private readonly SearchHost[] _hosts;
    private readonly int[] _position;
    private readonly bool[] _excluded;
    private readonly List<int> _excludedHosts = [];

    // Per host type: scratch for laying the type's hosts out (sort keys, hosts, their offsets), one set per type so
    // that types can be built at once.
    private readonly double[][] _layoutKeys;
    private readonly int[][] _layoutHosts;
    private readonly double[][] _layoutOffsets;
    private bool _built;

    /// <summary>
    /// A search over <paramref name="hostCount"/> hosts, host <c>h</c> of type <c>h mod types.Count</c>, each type given
    /// by its power table, capacity and core size; from <paramref name="parallelHostThreshold"/> hosts the types'
    /// trees are built at once on every core.
    /// </summary>
    public TreeHostSearch(int hostCount, IReadOnlyList<(SpecPowerTable Power, double TotalMips, double PeMips)> types, ScreenRule screen, int parallelHostThreshold)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(screen);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(types.Count, hostCount, nameof(types));
        _trees = new HostSearchTree[types.Count];
        for (var type = 0; type < types.Count; type++)
        {
            var count = ((hostCount - 1 - type) / types.Count) + 1;
            _trees[type] = new HostSearchTree(count, types[type].Power, types[type].TotalMips, types[type].PeMips);
        }

        _screen = screen;
        _parallelHostThreshold = parallelHostThreshold;
        _hosts = new SearchHost[hostCount];
        _position = new int[hostCount];
        _excluded = new bool[hostCount];
        _layoutKeys = [.. _trees.Select(t => new double[t.LeafCount])];
        _layoutHosts = [.. _trees.Select(t => new int[t.LeafCount])];
        _layoutOffsets = [.. _trees.Select(t => new double[t.LeafCount])];
    }

    /// <summary>Test only: a deliberately stale copy (see <see cref="PowerDataCenterFault"/>).</summary>
    public PowerDataCenterFault Fault { get; init; }

    private int TypeCount => _trees.Length;

    public void Reset()
    {
        // Everything is laid out afresh at Build, so the exclusions are simply forgotten.
        _built = false;
        ClearExclusions();
    }

    public void Update(int host, in SearchHost state)
    {
        if (Fault == PowerDataCenterFault.SearchMissesNewCandidates && _built && state.Candidate && !_hosts[host].Candidate)
        {
            return;
        }

        _hosts[host] = state;
        if (_built)
        {
            Reposition(host);
        }
    }

    public void Build()
    {
        // A type's tree touches only that type's hosts (their leaves and positions), so large fleets build the types'
        // trees at once.
        if (_hosts.Length >= _parallelHostThreshold)
        {
            Parallel.For(0, TypeCount, BuildTree);
        }
        else
        {
            for (var type = 0; type < TypeCount; type++)
            {
                BuildTree(type);
            }
        }

        _built = true;
    }

    public void Exclude(int host)
    {
        if (_excluded[host])
        {
            return;
        }

        _excluded[host] = true;
        _excludedHosts.Add(host);
        if (_built)
        {
            Reposition(host);
        }
    }

    public void ClearExclusions()
    {
        foreach (var h in _excludedHosts)
        {
            _excluded[h] = false;
            if (_built)
            {
                Reposition(h);
            }
        }

        _excludedHosts.Clear();
    }

    public void Search(HostQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Debug.Assert(_built, "the search is queried before it was built");
        for (var type = 0; type < TypeCount; type++)
        {
            var tree = _trees[type];

            // Every leaf fails the core-size test of IsSuitable at once.
            if (tree.PeMips < query.Requested / query.Cores || tree.IsEmpty(1))
            {
                continue;
            }

            if (tree.UpdatesSinceBuild > (tree.LeafCount / 4) + 64 || tree.IsFull)
            {
                BuildTree(type);
            }

            query.Pieces.Prepare(tree.Power, tree.TotalMips, tree.InverseTotalMips, query.Requested);
            query.ScreenLimit = _screen.Limit(query.ScreenForecastMips, tree.TotalMips);
            if (CouldChooseAny(tree, 1, query) && query.Pieces.LowerBound(tree.NodeAt(1), tree.TotalMips, query.Requested, out var flat) <= query.MinPowerDiff)
            {
                Visit(tree, 1, flat, query);
            }
        }
    }

    /// <summary>Whether a host is in its tree's leaves (a candidate not excluded); the others' leaves are empty.</summary>
    private bool IsSearchable(int host) => _hosts[host].Candidate && !_excluded[host];

    /// <summary>The host's offset d = P(a / T) − stale power (zero while its allocation is what its power says).</summary>
    private static double Offset(HostSearchTree tree, in SearchHost state) =>
        tree.Power.ClampedWatts(state.Allocated / tree.TotalMips) - state.StalePower;

    /// <summary>Whether a host with this offset is laid out with those without one (see <see cref="PlainOffsetWatts"/>).</summary>
    private static bool HasPlainOffset(double offset) => Math.Abs(offset) <= PlainOffsetWatts;

    /// <summary>
    /// Lays one type's hosts out: those without an offset (and the inactive ones) in increasing allocation, then the
    /// others in increasing offset (see <see cref="HostSearchTree"/>), and fills the tree.
    /// </summary>
    private void BuildTree(int type)
    {
        var tree = _trees[type];
        var keys = _layoutKeys[type];
        var hosts = _layoutHosts[type];
        var offsets = _layoutOffsets[type];
        var plain = 0;
        var withOffset = keys.Length;
        for (var h = type; h < _hosts.Length; h += TypeCount)
        {
            // The host's own index keeps its offset through the sort, which permutes keys and hosts only.
            var offset = IsSearchable(h) ? Offset(tree, _hosts[h]) : 0;
            offsets[h / TypeCount] = offset;
            if (HasPlainOffset(offset))
            {
                keys[plain] = _hosts[h].Allocated;
                hosts[plain++] = h;
            }
            else
            {
                keys[--withOffset] = offset;
                hosts[withOffset] = h;
            }
        }

        Array.Sort(keys, hosts, 0, plain);
        Array.Sort(keys, hosts, withOffset, keys.Length - withOffset);
        tree.Clear();
        for (var i = 0; i < plain; i++)
        {
            _position[hosts[i]] = tree.PlacePlain(i, hosts[i], keys[i]);
            WriteLeaf(tree, hosts[i], offsets[hosts[i] / TypeCount]);
        }

        tree.StartOffsetArea();
        for (var i = withOffset; i < keys.Length; i++)
        {
            _position[hosts[i]] = tree.PlaceWithOffset(hosts[i]);
            WriteLeaf(tree, hosts[i], offsets[hosts[i] / TypeCount]);
        }

        tree.Build();
    }

    /// <summary>Writes the host's leaf: its state with <paramref name="offset"/> (its <see cref="Offset"/>) if searchable, else empty.</summary>
    private void WriteLeaf(HostSearchTree tree, int host, double offset)
    {
        var position = _position[host];
        if (IsSearchable(host))
        {
            ref readonly var state = ref _hosts[host];
            tree.SetLeaf(position, state.Allocated, state.StalePower, offset, state.Available, state.RamFree, state.BandwidthFree, state.ScreenKey);
        }
        else
        {
            tree.ClearLeaf(position);
        }
    }

    /// <summary>A host's state or exclusion changed: move it to the area its offset now belongs to and rewrite its leaf.</summary>
    private void Reposition(int host)
    {
        var tree = _trees[host % TypeCount];
        var offset = 0.0;
        if (IsSearchable(host))
        {
            offset = Offset(tree, _hosts[host]);
            _position[host] = tree.Relocate(_position[host], !HasPlainOffset(offset), _hosts[host].Allocated);
        }

        WriteLeaf(tree, host, offset);
        tree.Propagate(_position[host]);
    }

    /// <summary>
    /// Searches under a node whose bound did not exclude it; <paramref name="flat"/> says whether G_r is constant over
    /// its allocation range (then every leaf's increase is the same up to rounding and its offset, bounds cannot tell
    /// them apart, and a straight scan of the leaves is cheapest).
    /// </summary>
    private void Visit(HostSearchTree tree, int node, bool flat, HostQuery query)
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
            ScanLeaves(tree, first - tree.LeafCount, span, query);
            return;
        }

        if (flat)
        {
            // Every leaf below is flat too; skip a half with nothing to choose (inactive hosts, padding) rather
            // than scanning it, and scan once both halves hold candidates.
            var leftChoosable = CouldChooseAny(tree, 2 * node, query);
            var rightChoosable = CouldChooseAny(tree, (2 * node) + 1, query);
            if (leftChoosable && rightChoosable)
            {
                ScanLeaves(tree, first - tree.LeafCount, span, query);
            }
            else if (leftChoosable || rightChoosable)
            {
                Visit(tree, leftChoosable ? 2 * node : (2 * node) + 1, flat: true, query);
            }

            return;
        }

        var left = 2 * node;
        var right = left + 1;
        var leftFlat = false;
        var rightFlat = false;
        var leftBound = CouldChooseAny(tree, left, query) ? query.Pieces.LowerBound(tree.NodeAt(left), tree.TotalMips, query.Requested, out leftFlat) : double.PositiveInfinity;
        var rightBound = CouldChooseAny(tree, right, query) ? query.Pieces.LowerBound(tree.NodeAt(right), tree.TotalMips, query.Requested, out rightFlat) : double.PositiveInfinity;
        if (rightBound < leftBound)
        {
            (left, right) = (right, left);
            (leftBound, rightBound) = (rightBound, leftBound);
            (leftFlat, rightFlat) = (rightFlat, leftFlat);
        }

        if (leftBound <= query.MinPowerDiff)
        {
            Visit(tree, left, leftFlat, query);
        }

        if (rightBound <= query.MinPowerDiff)
        {
            Visit(tree, right, rightFlat, query);
        }
    }

    /// <summary>False only when no leaf under the node can pass IsSuitable, the capacity test and the screen.</summary>
    private bool CouldChooseAny(HostSearchTree tree, int node, HostQuery query)
    {
        ref readonly var aggregates = ref tree.NodeAt(node);
        if (tree.IsEmpty(node) || aggregates.MaxAvailable < query.Requested)
        {
            return false;
        }

        if (query.Instantiating && (tree.MaxRamFree(node) < query.RamMiB || tree.MaxBandwidthFree(node) < query.BandwidthMbps))
        {
            return false;
        }

        // (a + r) / T is monotone in a under rounding, so the least a decides whether any leaf stays within capacity.
        return (aggregates.MinAllocated + query.Requested) / tree.TotalMips <= 1
            && !_screen.ScreensOut(aggregates.MinScreenKey, query.Requested, tree.TotalMips, query.ScreenLimit);
    }

    /// <summary>Runs the leaf kernel over [start, start + count); the leaves it passes go to <see cref="OfferLeaf"/>.</summary>
    private void ScanLeaves(HostSearchTree tree, int start, int count, HostQuery query)
    {
        var offer = new Offers(this, tree, query, start);
        var leafQuery = new LeafQuery(query.Requested, tree.TotalMips, tree.Power, _screen.Kind, _screen.Threshold, query.ScreenLimit);
        LeafKernel.Scan(tree.Leaves(start, count), leafQuery, query.Differences, ref offer);
    }

    /// <summary>A leaf the kernel passed, with its exact power difference: the rest of the scan's tests, then the judge.</summary>
    private void OfferLeaf(HostSearchTree tree, int position, double powerDiff, HostQuery query)
    {
        if (powerDiff > query.MinPowerDiff)
        {
            return;
        }

        var h = tree.HostAt(position);
        if ((powerDiff == query.MinPowerDiff && h > query.Best)
            || _screen.ScreensOut(tree.ScreenKeyAt(position), query.Requested, tree.TotalMips, query.ScreenLimit))
        {
            return;
        }

        Debug.Assert(IsSearchable(h), $"host {h} is offered from an inactive leaf");
        query.Judge.Consider(h, query);
    }

    /// <summary>The kernel's view of the query: the best so far, and where passing leaves go.</summary>
    private readonly struct Offers(TreeHostSearch search, HostSearchTree tree, HostQuery query, int start) : ILeafOffer
    {
        public double MinPowerDiff => query.MinPowerDiff;

        public double BestHost => query.Best;

        public void Offer(int leaf, double powerDiff) => search.OfferLeaf(tree, start + leaf, powerDiff, query);
    }
}
