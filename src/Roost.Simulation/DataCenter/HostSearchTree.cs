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
        MinAllocated = new double[2 * size];
        MaxAllocated = new double[2 * size];
        MinOffset = new double[2 * size];
        MaxAvailable = new double[2 * size];
        MaxRamFree = new int[2 * size];
        MaxBandwidthFree = new double[2 * size];
        MinScreenKey = new double[2 * size];
        LeafAllocated = new double[size];
        LeafStalePower = new double[size];
        LeafAvailable = new double[size];
        LeafScreenKey = new double[size];
        LeafHostNumber = new double[size];
        Array.Fill(LeafHostNumber, double.MaxValue);
        Array.Fill(LeafAvailable, double.NegativeInfinity);
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

    public double[] MinAllocated { get; }

    public double[] MaxAllocated { get; }

    public double[] MinOffset { get; }

    public double[] MaxAvailable { get; }

    public int[] MaxRamFree { get; }

    public double[] MaxBandwidthFree { get; }

    public double[] MinScreenKey { get; }

    /// <summary>Per leaf position: the host's placement allocation (MIPS), as read by the exact comparison.</summary>
    public double[] LeafAllocated { get; }

    /// <summary>Per leaf position: the host's stale power (W).</summary>
    public double[] LeafStalePower { get; }

    /// <summary>Per leaf position: available MIPS, −∞ for an inactive leaf so that no request fits.</summary>
    public double[] LeafAvailable { get; }

    /// <summary>Per leaf position: the host's overload-screen key.</summary>
    public double[] LeafScreenKey { get; }

    /// <summary>Per leaf position: the host number as a double (exact), for vectorised tie tests; MaxValue for padding.</summary>
    public double[] LeafHostNumber { get; }

    /// <summary>Per leaf position: the host, or −1 for padding.</summary>
    public ReadOnlySpan<int> LeafHost => _hostAt;

    /// <summary>Per query: where G_r has breakpoints (sorted), and G_r there; filled by the host search.</summary>
    public double[] Breakpoints { get; } = new double[24];

    /// <summary>Per query: G_r at each of <see cref="Breakpoints"/>.</summary>
    public double[] BreakpointGains { get; } = new double[24];

    /// <summary>Per query: how many of <see cref="Breakpoints"/> are in use.</summary>
    public int BreakpointCount { get; set; }

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
        var node = LeafCount + position;
        MinAllocated[node] = allocated;
        MaxAllocated[node] = allocated;
        MinOffset[node] = offset;
        MaxAvailable[node] = available;
        MaxRamFree[node] = ramFree;
        MaxBandwidthFree[node] = bandwidthFree;
        MinScreenKey[node] = screenKey;
    }

    /// <summary>Empties a leaf (host not searchable) without propagating.</summary>
    public void ClearLeaf(int position)
    {
        LeafAvailable[position] = double.NegativeInfinity;
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

    /// <summary>Recomputes the ancestors of one leaf after <see cref="SetLeaf"/> or <see cref="ClearLeaf"/>.</summary>
    public void Propagate(int position)
    {
        for (var node = (LeafCount + position) / 2; node >= 1; node /= 2)
        {
            Pull(node);
        }

        UpdatesSinceBuild++;
    }

    /// <summary>Whether the node covers no active leaf.</summary>
    public bool IsEmpty(int node) => MinAllocated[node] > MaxAllocated[node];

    private void Pull(int node)
    {
        var left = 2 * node;
        var right = left + 1;
        MinAllocated[node] = Math.Min(MinAllocated[left], MinAllocated[right]);
        MaxAllocated[node] = Math.Max(MaxAllocated[left], MaxAllocated[right]);
        MinOffset[node] = Math.Min(MinOffset[left], MinOffset[right]);
        MaxAvailable[node] = Math.Max(MaxAvailable[left], MaxAvailable[right]);
        MaxRamFree[node] = Math.Max(MaxRamFree[left], MaxRamFree[right]);
        MaxBandwidthFree[node] = Math.Max(MaxBandwidthFree[left], MaxBandwidthFree[right]);
        MinScreenKey[node] = Math.Min(MinScreenKey[left], MinScreenKey[right]);
    }

    private void SetEmpty(int node)
    {
        MinAllocated[node] = double.PositiveInfinity;
        MaxAllocated[node] = double.NegativeInfinity;
        MinOffset[node] = double.PositiveInfinity;
        MaxAvailable[node] = double.NegativeInfinity;
        MaxRamFree[node] = int.MinValue;
        MaxBandwidthFree[node] = double.NegativeInfinity;
        MinScreenKey[node] = double.PositiveInfinity;
    }
}
