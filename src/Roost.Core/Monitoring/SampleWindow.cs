namespace Roost.Core.Monitoring;

/// <summary>
/// The last <see cref="Capacity"/> observations of one quantity, oldest first. Adding to a full window drops the
/// oldest. Not thread-safe: one monitoring loop owns it.
/// </summary>
public sealed class SampleWindow
{
    private readonly double[] _buffer;
    private int _start;

    public SampleWindow(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _buffer = new double[capacity];
    }

    public int Capacity => _buffer.Length;

    public int Count { get; private set; }

    /// <summary>The <paramref name="index"/>-th observation, 0 being the oldest still held.</summary>
    public double this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return _buffer[(_start + index) % _buffer.Length];
        }
    }

    /// <summary>The newest observation; 0 when empty.</summary>
    public double Latest => Count == 0 ? 0 : this[Count - 1];

    public void Add(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A sample must be a finite number.");
        }

        if (Count < _buffer.Length)
        {
            _buffer[(_start + Count) % _buffer.Length] = value;
            Count++;
        }
        else
        {
            _buffer[_start] = value;
            _start = (_start + 1) % _buffer.Length;
        }
    }

    /// <summary>Copies the observations, oldest first, into <paramref name="destination"/>; returns how many.</summary>
    public int CopyTo(Span<double> destination)
    {
        if (destination.Length < Count)
        {
            throw new ArgumentException($"Destination holds {destination.Length} values; the window has {Count}.", nameof(destination));
        }

        var firstPart = Math.Min(Count, _buffer.Length - _start);
        _buffer.AsSpan(_start, firstPart).CopyTo(destination);
        _buffer.AsSpan(0, Count - firstPart).CopyTo(destination[firstPart..]);
        return Count;
    }

    public double[] ToArray()
    {
        var values = new double[Count];
        CopyTo(values);
        return values;
    }
}
