using System.Buffers;
using System.Diagnostics;

namespace Roost.Hypervisor.Lab.Relay;

/// <summary>
/// One direction of the WAN's delay, without I/O: frames go in with their arrival time, come out in arrival order
/// once <see cref="Delay"/> has passed, and the bytes held are bounded (drop-tail: a frame that would exceed
/// <see cref="CapacityBytes"/> is dropped and counted). Time comes from the injected <see cref="TimeProvider"/>
/// (monotonic timestamps), so tests drive it with a manual clock.
/// </summary>
/// <remarks>
/// Not thread-safe: one owner (the relay's I/O loop). Every frame's bytes are copied into a pooled buffer on the
/// way in and out again on the way out, so callers keep no references into the line.
/// </remarks>
public sealed class DelayLine
{
    private readonly Queue<Entry> _frames = new();
    private readonly TimeProvider _time;
    private readonly long _delayTicks;

    public DelayLine(TimeSpan delay, long capacityBytes, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacityBytes);
        ArgumentNullException.ThrowIfNull(time);
        Delay = delay;
        CapacityBytes = capacityBytes;
        _time = time;

        // In the provider's timestamp units, rounded up so a frame never leaves early.
        _delayTicks = (long)Math.Ceiling(delay.Ticks * (double)time.TimestampFrequency / TimeSpan.TicksPerSecond);
    }

    public TimeSpan Delay { get; }

    public long CapacityBytes { get; }

    /// <summary>Bytes of the frames now held (the drop-tail bound applies to this).</summary>
    public long QueuedBytes { get; private set; }

    /// <summary>The most bytes ever held at once.</summary>
    public long PeakQueuedBytes { get; private set; }

    public int QueuedFrames => _frames.Count;

    public long DroppedFrames { get; private set; }

    public long DroppedBytes { get; private set; }

    /// <summary>Takes a copy of <paramref name="frame"/>, due <see cref="Delay"/> from now; false (and counted) if it would overflow.</summary>
    public bool TryEnqueue(ReadOnlySpan<byte> frame)
    {
        if (frame.IsEmpty || QueuedBytes + frame.Length > CapacityBytes)
        {
            DroppedFrames++;
            DroppedBytes += frame.Length;
            return false;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(frame.Length);
        frame.CopyTo(buffer);
        _frames.Enqueue(new Entry(buffer, frame.Length, _time.GetTimestamp() + _delayTicks));
        QueuedBytes += frame.Length;
        PeakQueuedBytes = Math.Max(PeakQueuedBytes, QueuedBytes);
        return true;
    }

    /// <summary>
    /// Copies the oldest frame into <paramref name="destination"/> and returns its length if it is due; otherwise
    /// returns 0 and leaves it queued. <paramref name="destination"/> must hold the largest frame enqueued.
    /// </summary>
    public int TryDequeueDue(Span<byte> destination)
    {
        if (!_frames.TryPeek(out var head) || head.DueTimestamp > _time.GetTimestamp())
        {
            return 0;
        }

        if (head.Length > destination.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes, the frame {head.Length}", nameof(destination));
        }

        _frames.Dequeue();
        head.Buffer.AsSpan(0, head.Length).CopyTo(destination);
        ArrayPool<byte>.Shared.Return(head.Buffer);
        QueuedBytes -= head.Length;
        Debug.Assert(QueuedBytes >= 0, "queued bytes went negative");
        return head.Length;
    }

    /// <summary>How long until the oldest frame is due: null when empty, zero when one is due now.</summary>
    public TimeSpan? UntilNextDue()
    {
        if (!_frames.TryPeek(out var head))
        {
            return null;
        }

        var now = _time.GetTimestamp();
        return head.DueTimestamp <= now ? TimeSpan.Zero : _time.GetElapsedTime(now, head.DueTimestamp);
    }

    private readonly record struct Entry(byte[] Buffer, int Length, long DueTimestamp);
}
