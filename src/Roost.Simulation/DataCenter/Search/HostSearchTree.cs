using System.Numerics;

namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// A segment tree over the hosts of one host type that lets PABFD's host search skip whole groups of hosts. Each leaf
/// holds one host's placement allocation <c>a</c> (MIPS), its offset <c>d = P(a / T) − stale power</c>, its available
/// MIPS and its free RAM and bandwidth; each inner node holds the minimum and maximum of <c>a</c>, the minimum of
/// <c>d</c> and the maxima of the capacities over its leaves. A host's power increase for a request of <c>r</c> MIPS is
/// <c>P((a + r) / T) − stale = G_r(a) + d</c> with <c>G_r(a) = P((a + r) / T) − P(a / T)</c>, piecewise linear in
/// <c>a</c>, so a node's least possible increase is the least of <c>G_r</c> over its <c>a</c>-range plus its least
/// <c>d</c>. Each node also holds the least overload-screen key of its leaves (see <see cref="ScreenRule"/>): a
/// host whose key reaches a VM's screen limit is surely overloaded with it.
/// </summary>
/// <remarks>
/// The bounds only prune: whether a host wins is always decided by the caller's exact computation, so the tree gives
/// the answer of a full scan whatever the leaf order. The leaves are laid out in two areas. Hosts whose offset is
/// zero (their power is what their allocation says: untouched since the last update) come first, sorted by <c>a</c>,
/// so that node ranges are tight and G_r alone tells them apart. Hosts with an offset (planning has changed their
/// allocation) follow, sorted by offset when the tree is built and
/// appended as planning touches more (see <see cref="Relocate"/>): a host that just received a VM has a large
/// offset, and kept at its sorted place it would widen its node's range while that node's least offset stays zero,
/// so that no bound could skip the node.
/// Inactive leaves (hosts that are not candidates, or are excluded) hold empty aggregates and are never visited.
/// </remarks>
internal sealed class HostSearchTree
{
    /// <summary>Leaves per block of the area without offsets: the span the search scans leaf by leaf.</summary>
    public const int BlockLeaves = 64;

    /// <summary>Hosts a block of that area holds when built; the rest is room for hosts whose offset returns to zero.</summary>
    public const int HostsPerBlock = 56;

    // How many blocks on either side of the one a returning host belongs to may take it when that one is full.
    private const int MaxDrift = 2;

    private readonly int[] _hostAt;

    // Per node, what every search reads, in one record (a visit and its sibling's touch two adjacent records instead
    // of a line in each of five arrays); the capacities read only while VMs are created apart.
    private readonly Node[] _nodes;
    private readonly int[] _maxRamFree;
    private readonly double[] _maxBandwidthFree;

    // Per leaf position: allocation (MIPS) and stale power (W) as the exact comparison reads them; the screen key; and
    // float copies for the vector scan: available MIPS rounded up (−∞ for an inactive leaf, so no request fits), the
    // screen key rounded down (screens out no more than the key), the host number (exact below 2^24; MaxValue for
    // padding).
    private readonly double[] _leafAllocated;
    private readonly double[] _leafStalePower;
    private readonly double[] _leafScreenKey;
    private readonly float[] _leafAvailableAtLeast;
    private readonly float[] _leafScreenKeyAtMost;
    private readonly float[] _leafHostNumber;

    // Per block of the area without offsets: which leaves hold a host (bit i: leaf i of the block).
    private readonly ulong[] _occupied;

    // Per block of that area: the least allocation among its hosts when built (ascending).
    private readonly double[] _blockLow;
    private int _plainBlocks;

    // Leaves before this hold the hosts without an offset (sorted by allocation when built); from it on, the others.
    // While those are being placed, every leaf counts as theirs.
    private int _offsetAreaStart;

    // The first leaf never used since the tree was built: where the next host to take an offset is appended.
    private int _nextFree;

    public HostSearchTree(int capacity, SpecPowerTable power, double totalMips, double peMips)
    {
        // Room for every host in gapped blocks plus a quarter more to append hosts that take an offset between builds.
        var blocks = (Math.Max(1, capacity) + HostsPerBlock - 1) / HostsPerBlock;
        var size = BlockLeaves;
        while (size < (blocks * BlockLeaves) + Math.Max(BlockLeaves, capacity / 4))
        {
            size *= 2;
        }

        LeafCount = size;
        Power = power;
        TotalMips = totalMips;
        InverseTotalMips = 1 / totalMips;
        PeMips = peMips;
        _hostAt = new int[size];
        _occupied = new ulong[size / BlockLeaves];
        _blockLow = new double[size / BlockLeaves];
        _nodes = new Node[2 * size];
        _maxRamFree = new int[2 * size];
        _maxBandwidthFree = new double[2 * size];
        _leafAllocated = new double[size];
        _leafStalePower = new double[size];
        _leafScreenKey = new double[size];
        _leafHostNumber = new float[size];
        _leafAvailableAtLeast = new float[size];
        _leafScreenKeyAtMost = new float[size];
        Array.Fill(_leafHostNumber, float.MaxValue);
        Array.Fill(_leafAvailableAtLeast, float.NegativeInfinity);
        Array.Fill(_hostAt, -1);
        for (var node = 1; node < 2 * size; node++)
        {
            SetEmpty(node);
        }
    }

    /// <summary>Leaves in the tree (a power of two); leaf <c>i</c> is node <c>LeafCount + i</c>.</summary>
    public int LeafCount { get; }

    public SpecPowerTable Power { get; }

    public double TotalMips { get; }

    public double PeMips { get; }

    /// <summary>1 / <see cref="TotalMips"/>, for bounds that need not be exact.</summary>
    public double InverseTotalMips { get; }

    /// <summary>Per node: the aggregates every search reads, in one record.</summary>
    public ref readonly Node NodeAt(int node) => ref _nodes[node];

    /// <summary>Per node: the most free RAM (MiB), read only while VMs are being created.</summary>
    public int MaxRamFree(int node) => _maxRamFree[node];

    /// <summary>Per node: the most free bandwidth (Mbit/s), read only while VMs are being created.</summary>
    public double MaxBandwidthFree(int node) => _maxBandwidthFree[node];

    /// <summary>The host at a leaf position, −1 for padding.</summary>
    public int HostAt(int position) => _hostAt[position];

    /// <summary>The overload-screen key at a leaf position.</summary>
    public double ScreenKeyAt(int position) => _leafScreenKey[position];

    /// <summary>Leaves [<paramref name="start"/>, + <paramref name="count"/>) as the leaf kernel reads them.</summary>
    public LeafColumns Leaves(int start, int count) => new(
        _leafAllocated.AsSpan(start, count),
        _leafStalePower.AsSpan(start, count),
        _leafAvailableAtLeast.AsSpan(start, count),
        _leafScreenKeyAtMost.AsSpan(start, count),
        _leafHostNumber.AsSpan(start, count));

    /// <summary>Leaf updates since the last <see cref="Clear"/>; a caller rebuilds when ranges may have loosened.</summary>
    public int UpdatesSinceBuild { get; private set; }

    /// <summary>Whether no leaf is left to append to; the caller rebuilds before the next search.</summary>
    public bool IsFull => _nextFree >= LeafCount;

    /// <summary>
    /// Starts a rebuild: every leaf empty. Then <see cref="PlacePlain"/> the hosts without an offset in increasing
    /// allocation, <see cref="StartOffsetArea"/>, <see cref="PlaceWithOffset"/> the others in the caller's order, and
    /// <see cref="Build"/>.
    /// </summary>
    public void Clear()
    {
        Array.Fill(_hostAt, -1);
        Array.Fill(_leafHostNumber, float.MaxValue);
        Array.Clear(_occupied);
        for (var position = 0; position < LeafCount; position++)
        {
            ClearLeaf(position);
        }

        _plainBlocks = 0;
        _offsetAreaStart = int.MaxValue;
        _nextFree = 0;
    }

    /// <summary>While rebuilding: puts the host of rank <paramref name="rank"/> (in increasing allocation, from 0) among those without an offset.</summary>
    public int PlacePlain(int rank, int host, double allocated)
    {
        var block = rank / HostsPerBlock;
        if (rank % HostsPerBlock == 0)
        {
            _blockLow[block] = allocated;
            _plainBlocks = block + 1;
        }

        var position = (block * BlockLeaves) + (rank % HostsPerBlock);
        Occupy(position, host);
        return position;
    }

    /// <summary>While rebuilding: the hosts placed from now on are those with an offset.</summary>
    public void StartOffsetArea()
    {
        _offsetAreaStart = _plainBlocks * BlockLeaves;
        _nextFree = _offsetAreaStart;
    }

    /// <summary>Puts <paramref name="host"/> at the next free leaf of the offset area and returns that leaf.</summary>
    public int PlaceWithOffset(int host)
    {
        var position = _nextFree++;
        Occupy(position, host);
        return position;
    }

    /// <summary>
    /// Moves a host to the area its offset now belongs to, if it is not there: one that has taken an offset to the
    /// next free leaf of the offset area; one whose offset is back to zero to a free leaf of the block its allocation
    /// belongs to (or one at most <see cref="MaxDrift"/> blocks away, nearest first). Stays put when there is no room.
    /// The old leaf is emptied and propagated; the caller sets and propagates the new one. Returns the host's leaf.
    /// </summary>
    public int Relocate(int position, bool hasOffset, double allocated)
    {
        if (hasOffset)
        {
            return position >= _offsetAreaStart || IsFull ? position : MoveTo(position, _nextFree++);
        }

        // Blocks in order of distance from the target: target, target − 1, target + 1, target − 2, …
        var current = position < _offsetAreaStart ? position / BlockLeaves : -1;
        var target = BlockFor(allocated);
        for (var step = 0; step <= 2 * MaxDrift; step++)
        {
            var block = step % 2 == 0 ? target + (step / 2) : target - ((step + 1) / 2);
            if (block == current)
            {
                return position;
            }

            if (block >= 0 && block < _plainBlocks && _occupied[block] != ulong.MaxValue)
            {
                return MoveTo(position, (block * BlockLeaves) + BitOperations.TrailingZeroCount(~_occupied[block]));
            }
        }

        return position;
    }

    private int MoveTo(int position, int destination)
    {
        var host = _hostAt[position];
        _hostAt[position] = -1;
        _leafHostNumber[position] = float.MaxValue;
        if (position < _offsetAreaStart)
        {
            _occupied[position / BlockLeaves] &= ~(1UL << (position % BlockLeaves));
        }

        ClearLeaf(position);
        Propagate(position);
        Occupy(destination, host);
        return destination;
    }

    private void Occupy(int position, int host)
    {
        _hostAt[position] = host;
        _leafHostNumber[position] = host;
        if (position < _offsetAreaStart)
        {
            _occupied[position / BlockLeaves] |= 1UL << (position % BlockLeaves);
        }
    }

    /// <summary>How many of the <paramref name="ascending"/> values are at most <paramref name="value"/> (binary search).</summary>
    public static int CountAtMost(ReadOnlySpan<double> ascending, double value)
    {
        var lo = 0;
        var hi = ascending.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >> 1;
            if (ascending[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The last block without offsets whose least allocation is at most <paramref name="allocated"/> (0 if none).</summary>
    private int BlockFor(double allocated) => _plainBlocks <= 1 ? 0 : CountAtMost(_blockLow.AsSpan(1, _plainBlocks - 1), allocated);

    /// <summary>Sets a leaf's values (active host) without propagating; <see cref="Build"/> or <see cref="Propagate"/> follows.</summary>
    public void SetLeaf(int position, double allocated, double stalePower, double offset, double available, int ramFree, double bandwidthFree, double screenKey)
    {
        _leafAllocated[position] = allocated;
        _leafStalePower[position] = stalePower;
        _leafScreenKey[position] = screenKey;
        _leafAvailableAtLeast[position] = RoundUp(available);
        _leafScreenKeyAtMost[position] = RoundDown(screenKey);
        var node = LeafCount + position;
        _nodes[node] = new Node(allocated, allocated, offset, available, screenKey);
        _maxRamFree[node] = ramFree;
        _maxBandwidthFree[node] = bandwidthFree;
    }

    /// <summary>Empties a leaf (host not searchable) without propagating.</summary>
    public void ClearLeaf(int position)
    {
        _leafAvailableAtLeast[position] = float.NegativeInfinity;
        SetEmpty(LeafCount + position);
    }

    /// <summary>Recomputes every inner node from the leaves.</summary>
    public void Build()
    {
        for (var node = LeafCount - 1; node >= 1; node--)
        {
            Pull(node);
        }

        UpdatesSinceBuild = 0;
    }

    /// <summary>
    /// Recomputes the ancestors of one leaf after <see cref="SetLeaf"/> or <see cref="ClearLeaf"/>, up to the first
    /// whose aggregates come out unchanged (everything above it depends on it and on unchanged siblings only).
    /// </summary>
    public void Propagate(int position)
    {
        for (var node = (LeafCount + position) / 2; node >= 1 && Pull(node); node /= 2)
        {
        }

        UpdatesSinceBuild++;
    }

    /// <summary>Whether the node covers no active leaf.</summary>
    public bool IsEmpty(int node) => _nodes[node].MinAllocated > _nodes[node].MaxAllocated;

    /// <summary>Recomputes a node from its children; false if nothing changed.</summary>
    private bool Pull(int node)
    {
        var left = 2 * node;
        var right = left + 1;
        ref readonly var l = ref _nodes[left];
        ref readonly var r = ref _nodes[right];
        var pulled = new Node(
            Math.Min(l.MinAllocated, r.MinAllocated),
            Math.Max(l.MaxAllocated, r.MaxAllocated),
            Math.Min(l.MinOffset, r.MinOffset),
            Math.Max(l.MaxAvailable, r.MaxAvailable),
            Math.Min(l.MinScreenKey, r.MinScreenKey));
        var ramFree = Math.Max(_maxRamFree[left], _maxRamFree[right]);
        var bandwidthFree = Math.Max(_maxBandwidthFree[left], _maxBandwidthFree[right]);
        if (pulled == _nodes[node] && ramFree == _maxRamFree[node] && bandwidthFree == _maxBandwidthFree[node])
        {
            return false;
        }

        _nodes[node] = pulled;
        _maxRamFree[node] = ramFree;
        _maxBandwidthFree[node] = bandwidthFree;
        return true;
    }

    /// <summary>The least float not below <paramref name="value"/>.</summary>
    private static float RoundUp(double value)
    {
        var rounded = (float)value;
        return rounded < value ? MathF.BitIncrement(rounded) : rounded;
    }

    /// <summary>The greatest float not above <paramref name="value"/>.</summary>
    private static float RoundDown(double value)
    {
        var rounded = (float)value;
        return rounded > value ? MathF.BitDecrement(rounded) : rounded;
    }

    private void SetEmpty(int node)
    {
        _nodes[node] = new Node(double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity);
        _maxRamFree[node] = int.MinValue;
        _maxBandwidthFree[node] = double.NegativeInfinity;
    }

    /// <summary>
    /// A node's aggregates over its leaves: least and most allocation, least offset, most available MIPS, least
    /// overload-screen key (an empty node: +∞, −∞, +∞, −∞, +∞).
    /// </summary>
    internal readonly record struct Node(double MinAllocated, double MaxAllocated, double MinOffset, double MaxAvailable, double MinScreenKey);
}
