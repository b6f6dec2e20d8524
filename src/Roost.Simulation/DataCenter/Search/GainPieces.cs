namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// For one request of <c>r</c> MIPS on one host type: <c>G_r(a) = P((a + r) / T) − P(a / T)</c>, the power a host of
/// allocation <c>a</c> gains, as linear pieces, and the lower bounds the search prunes with. G_r bends only where
/// <c>a</c> or <c>a + r</c> crosses a tenth of capacity (at most 19 breakpoints), so its least value over an interval
/// of allocations is at an end or a breakpoint. Scratch of one query (the query owns it; the trees never hold it).
/// </summary>
internal sealed class GainPieces
{
    /// <summary>A node's bound is lowered by this much: rounding in the bounds and in the exact differences is below 1e-12 W.</summary>
    public const double BoundSlackWatts = 1e-9;

    /// <summary>A node over which G_r varies by no more than this is flat: its hosts tie up to rounding and their offsets.</summary>
    public const double FlatWatts = 1e-6;

    // Piece s starts at _start[s] (0, then the breakpoints in increasing order, so breakpoint i is _start[i + 1]) with
    // value _gain[s] and rises by _slope[s] per MIPS up to the next start.
    private readonly double[] _start = new double[26];
    private readonly double[] _gain = new double[26];
    private readonly double[] _slope = new double[26];
    private int _breakpoints;

    /// <summary>Lays out G_r for a request of <paramref name="requested"/> MIPS on hosts of this power table and capacity.</summary>
    public void Prepare(SpecPowerTable power, double totalMips, double inverseTotalMips, double requested)
    {
        _breakpoints = 0;

        // Two increasing sequences, merged in order: a + r at a tenth (k = 1…10) and a at a tenth (j = 1…9).
        var k = 1;
        var j = 1;
        while (k <= 10 || j <= 9)
        {
            var crossing = k <= 10 ? (k * totalMips / 10) - requested : double.PositiveInfinity;
            var tenth = j <= 9 ? j * totalMips / 10 : double.PositiveInfinity;
            if (crossing <= tenth)
            {
                AddBreakpoint(power, totalMips, inverseTotalMips, crossing, requested);
                k++;
            }
            else
            {
                AddBreakpoint(power, totalMips, inverseTotalMips, tenth, requested);
                j++;
            }
        }

        // Pieces: [0, b0], [b0, b1], …, [b(m−1), T − r]; a host past T − r fails the capacity test.
        _start[0] = 0;
        _gain[0] = Gain(power, inverseTotalMips, 0, requested);
        var end = Math.Max(_start[_breakpoints], totalMips - requested);
        var endGain = Gain(power, inverseTotalMips, end, requested);
        for (var p = 0; p <= _breakpoints; p++)
        {
            var nextStart = p < _breakpoints ? _start[p + 1] : end;
            var nextGain = p < _breakpoints ? _gain[p + 1] : endGain;
            var length = nextStart - _start[p];
            _slope[p] = length > 0 ? (nextGain - _gain[p]) / length : 0;
        }
    }

    /// <summary>
    /// A value no host of the node can undercut: least G_r over its allocation range plus its least offset, less the
    /// slack; and whether G_r is flat there (no breakpoint inside and equal ends to within <see cref="FlatWatts"/>).
    /// G_r at the ends is read off its linear piece, which differs from evaluating it by rounding far below
    /// <see cref="BoundSlackWatts"/> however short the piece (the error is at most the rounding of its end values).
    /// </summary>
    public double LowerBound(in HostSearchTree.Node node, double totalMips, double requested, out bool flat)
    {
        var low = node.MinAllocated;
        var high = Math.Max(low, Math.Min(node.MaxAllocated, totalMips - requested));
        var breakpoints = _start.AsSpan(1, _breakpoints);

        // The piece holding low: after every breakpoint at or below it.
        var lo = HostSearchTree.CountAtMost(breakpoints, low);
        var lowGain = PieceValue(lo, low);
        var least = lowGain;

        // Breakpoints strictly inside (low, high), then the piece holding high.
        var piece = lo;
        while (piece < breakpoints.Length && breakpoints[piece] < high)
        {
            least = Math.Min(least, _gain[piece + 1]);
            piece++;
        }

        var highGain = PieceValue(piece, high);
        least = Math.Min(least, highGain);
        flat = piece == lo && Math.Abs(highGain - lowGain) <= FlatWatts;
        return least + node.MinOffset - BoundSlackWatts;
    }

    private void AddBreakpoint(SpecPowerTable power, double totalMips, double inverseTotalMips, double allocated, double requested)
    {
        if (allocated > 0 && allocated + requested < totalMips)
        {
            _breakpoints++;
            _start[_breakpoints] = allocated;
            _gain[_breakpoints] = Gain(power, inverseTotalMips, allocated, requested);
        }
    }

    private double PieceValue(int piece, double allocated) => _gain[piece] + (_slope[piece] * (allocated - _start[piece]));

    /// <summary>
    /// G_r(a) for the bounds: utilisation by multiplying with 1 / T rather than dividing, which moves the result by far
    /// less than <see cref="BoundSlackWatts"/>; the exact comparison never uses it.
    /// </summary>
    private static double Gain(SpecPowerTable power, double inverseTotalMips, double allocated, double requested) =>
        power.ClampedWatts((allocated + requested) * inverseTotalMips) - power.ClampedWatts(allocated * inverseTotalMips);
}
