namespace Roost.Simulation.DataCenter;

/// <summary>
/// What one core's share of a parallel host update adds to a metric's running sums, in the order it was recorded, so
/// that the sums can be added afterwards exactly as the serial loop adds them (floating-point addition is not
/// associative: the order is part of the result). Each entry holds two addends; NaN means "nothing to add".
/// </summary>
internal sealed class ContributionLog
{
    private double[] _first = new double[1024];
    private double[] _second = new double[1024];

    /// <summary>Entries recorded since the last <see cref="Clear"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Events that only count (their order cannot matter), such as host shutdowns.</summary>
    public int Events { get; set; }

    /// <summary>The first addend of each entry, in record order.</summary>
    public ReadOnlySpan<double> First => _first.AsSpan(0, Count);

    /// <summary>The second addend of each entry, in record order.</summary>
    public ReadOnlySpan<double> Second => _second.AsSpan(0, Count);

    public void Add(double first, double second)
    {
        if (Count == _first.Length)
        {
            Array.Resize(ref _first, 2 * Count);
            Array.Resize(ref _second, 2 * Count);
        }

        _first[Count] = first;
        _second[Count] = second;
        Count++;
    }

    public void Clear()
    {
        Count = 0;
        Events = 0;
    }
}
