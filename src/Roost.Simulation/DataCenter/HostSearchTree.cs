namespace Roost.Simulation.DataCenter;

/// <summary>
/// A segment tree over the hosts of one host type that lets PABFD's host search skip whole groups of hosts. Each leaf
/// holds one host's placement allocation <c>a</c> (MIPS), its offset <c>d = P(a / T) − stale power</c>, its available
/// MIPS and its free RAM and bandwidth; each inner node holds the minimum and maximum of <c>a</c>, the minimum of
/// <c>d</c> and the maxima of the capacities over its leaves. A host's power increase for a request of <c>r</c> MIPS is
/// <c>P((a + r) / T) − stale = G_r(a) + d</c> with <c>G_r(a) = P((a + r) / T) − P(a / T)</c>, piecewise linear in
/// <c>a</c>, so a node's least possible increase is the least of <c>G_r</c> over its <c>a</c>-range plus its least
/// <c>d</c>. Each node also holds the least overload-screen key of its leaves (see
/// <c>PowerDataCenter.ScreenKey</c>): a host whose key reaches a VM's screen threshold is surely overloaded with it.
/// </summary>
/// <remarks>
/// The bounds only prune: whether a host wins is always decided by the caller's exact computation, so the tree gives
/// the answer of a full scan whatever the leaf order. Leaves are sorted by <c>a</c> when the tree is (re)built, which
/// keeps node ranges tight; later changes update a leaf in place and merely loosen its ancestors' ranges.
/// Inactive leaves (hosts that are not candidates, or are excluded) hold empty aggregates and are never visited.
/// </remarks>
internal sealed class HostSearchTree
{
    private readonly int[] _hostAt;

    public HostSearchTree(int capacity, SpecPowerTable power, double totalMips, double peMips)
    {
        var size = 1;
        while (size < Math.Max(1, capacity))
        {
            size *= 2;
        }

        LeafCount = size;
        Power = power;
        TotalMips = totalMips;
        InverseTotalMips = 1 / totalMips;
        PeMips = peMips;
        _hostAt = new int[size];
        Nodes = new Node[2 * size];
        MaxRamFree = new int[2 * size];
        MaxBandwidthFree = new double[2 * size];
        LeafAllocated = new double[size];
        LeafStalePower = new double[size];
        LeafAvailable = new double[size];
        LeafScreenKey = new double[size];
        LeafHostNumber = new float[size];
        LeafAvailableAtLeast = new float[size];
        LeafScreenKeyAtMost = new float[size];
        Array.Fill(LeafHostNumber, float.MaxValue);
        Array.Fill(LeafAvailable, double.NegativeInfinity);
        Array.Fill(LeafAvailableAtLeast, float.NegativeInfinity);
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

    /// <summary>
    /// Per node, what every search reads, in one record (a visit and its sibling's touch two adjacent records
    /// instead of a line in each of five arrays).
    /// </summary>
    public Node[] Nodes { get; }

    /// <summary>Per node: the most free RAM (MiB), read only while VMs are being created.</summary>
    public int[] MaxRamFree { get; }

    /// <summary>Per node: the most free bandwidth (Mbit/s), read only while VMs are being created.</summary>
    public double[] MaxBandwidthFree { get; }

    /// <summary>Per leaf position: the host's placement allocation (MIPS), as read by the exact comparison.</summary>
    public double[] LeafAllocated { get; }

    /// <summary>Per leaf position: the host's stale power (W).</summary>
    public double[] LeafStalePower { get; }

    /// <summary>Per leaf position: available MIPS, −∞ for an inactive leaf so that no request fits.</summary>
    public double[] LeafAvailable { get; }

    /// <summary>Per leaf position: the host's overload-screen key.</summary>
    public double[] LeafScreenKey { get; }

    /// <summary>
    /// Per leaf position: the host number as a float (exact below 2^24 hosts), for vectorised tie tests; MaxValue
    /// for padding.
    /// </summary>
    public float[] LeafHostNumber { get; }

    /// <summary>
    /// Per leaf position: <see cref="LeafAvailable"/> rounded up to a float, so that a vector scan can test capacity
    /// reading half the bytes; a leaf that passes is tested again exactly.
    /// </summary>
    public float[] LeafAvailableAtLeast { get; }

    /// <summary>Per leaf position: <see cref="LeafScreenKey"/> rounded down to a float (screens out no more than the key).</summary>
    public float[] LeafScreenKeyAtMost { get; }

    /// <summary>Per leaf position: the host, or −1 for padding.</summary>
    public ReadOnlySpan<int> LeafHost => _hostAt;

    /// <summary>Per query: how many breakpoints G_r has (where a or a + r crosses a tenth); filled by the host search.</summary>
    public int BreakpointCount { get; set; }

    /// <summary>
    /// Per query: G_r as linear pieces. Piece <c>s</c> starts at <see cref="PieceStart"/>[s] (0, then the breakpoints
    /// in increasing order, so breakpoint <c>i</c> is <c>PieceStart[i + 1]</c>) with value <see cref="PieceGain"/>[s]
    /// and rises by <see cref="PieceSlope"/>[s] per MIPS up to the next start.
    /// </summary>
    public double[] PieceStart { get; } = new double[26];

    /// <summary>Per query: G_r at each of <see cref="PieceStart"/>.</summary>
    public double[] PieceGain { get; } = new double[26];

    /// <summary>Per query: the slope of G_r on each piece (W per MIPS).</summary>
    public double[] PieceSlope { get; } = new double[26];

    /// <summary>Per query: the overload-screen limit for the VM being placed (LR only).</summary>
    public double ScreenLimit { get; set; }

    /// <summary>Leaf updates since the last <see cref="Place"/>; a caller rebuilds when ranges may have loosened.</summary>
    public int UpdatesSinceBuild { get; private set; }

    /// <summary>The host at a leaf node, or −1 for padding.</summary>
    public int HostAtNode(int node) => _hostAt[node - LeafCount];

    /// <summary>Puts <paramref name="host"/> at leaf <paramref name="position"/> while rebuilding; call <see cref="Build"/> after.</summary>
    public void Place(int position, int host)
    {
        _hostAt[position] = host;
        LeafHostNumber[position] = host;
        UpdatesSinceBuild = 0;
    }

    /// <summary>Sets a leaf's values (active host) without propagating; <see cref="Build"/> or <see cref="Propagate"/> follows.</summary>
    public void SetLeaf(int position, double allocated, double stalePower, double offset, double available, int ramFree, double bandwidthFree, double screenKey)
    {
        LeafAllocated[position] = allocated;
        LeafStalePower[position] = stalePower;
        LeafAvailable[position] = available;
        LeafScreenKey[position] = screenKey;
        LeafAvailableAtLeast[position] = RoundUp(available);
        LeafScreenKeyAtMost[position] = RoundDown(screenKey);
        var node = LeafCount + position;
        Nodes[node] = new Node(allocated, allocated, offset, available, screenKey);
        MaxRamFree[node] = ramFree;
        MaxBandwidthFree[node] = bandwidthFree;
    }

    /// <summary>Empties a leaf (host not searchable) without propagating.</summary>
    public void ClearLeaf(int position)
    {
        LeafAvailable[position] = double.NegativeInfinity;
        LeafAvailableAtLeast[position] = float.NegativeInfinity;
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
    public bool IsEmpty(int node) => Nodes[node].MinAllocated > Nodes[node].MaxAllocated;

    /// <summary>Recomputes a node from its children; false if nothing changed.</summary>
    private bool Pull(int node)
    {
        var left = 2 * node;
        var right = left + 1;
        ref readonly var l = ref Nodes[left];
        ref readonly var r = ref Nodes[right];
        var pulled = new Node(
            Math.Min(l.MinAllocated, r.MinAllocated),
            Math.Max(l.MaxAllocated, r.MaxAllocated),
            Math.Min(l.MinOffset, r.MinOffset),
            Math.Max(l.MaxAvailable, r.MaxAvailable),
            Math.Min(l.MinScreenKey, r.MinScreenKey));
        var ramFree = Math.Max(MaxRamFree[left], MaxRamFree[right]);
        var bandwidthFree = Math.Max(MaxBandwidthFree[left], MaxBandwidthFree[right]);
        if (pulled == Nodes[node] && ramFree == MaxRamFree[node] && bandwidthFree == MaxBandwidthFree[node])
        {
            return false;
        }

        Nodes[node] = pulled;
        MaxRamFree[node] = ramFree;
        MaxBandwidthFree[node] = bandwidthFree;
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
        Nodes[node] = new Node(double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity, double.NegativeInfinity, double.PositiveInfinity);
        MaxRamFree[node] = int.MinValue;
        MaxBandwidthFree[node] = double.NegativeInfinity;
    }

    /// <summary>
    /// A node's aggregates over its leaves: least and most allocation, least offset, most available MIPS, least
    /// overload-screen key (an empty node: +∞, −∞, +∞, −∞, +∞).
    /// </summary>
    internal readonly record struct Node(double MinAllocated, double MaxAllocated, double MinOffset, double MaxAvailable, double MinScreenKey);
}
