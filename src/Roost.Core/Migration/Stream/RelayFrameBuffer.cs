namespace Roost.Core.Migration.Stream;

/// <summary>
/// Bytes from the peer relay, gathered until they hold whole frames, which must come numbered 0, 1, 2, …; holds at
/// most one frame more than it was given.
/// </summary>
internal sealed class RelayFrameBuffer(byte[] key)
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private uint _expected;

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_end + bytes.Length > _buffer.Length)
        {
            var live = _end - _start;
            var size = _buffer.Length;
            while (live + bytes.Length > size)
            {
                size *= 2;
            }

            var next = size == _buffer.Length ? _buffer : new byte[size];
            _buffer.AsSpan(_start, live).CopyTo(next);
            _buffer = next;
            _start = 0;
            _end = live;
        }

        bytes.CopyTo(_buffer.AsSpan(_end));
        _end += bytes.Length;
    }

    /// <summary>True when no partial frame is waiting.</summary>
    public bool IsEmpty => _start == _end;

    /// <summary>The next whole frame, if any: <see cref="FrameRead.Frame"/> with its header and payload (valid until the next call).</summary>
    public FrameRead Next(out RelayFrameHeader header, out ReadOnlySpan<byte> payload, out string error)
    {
        var read = RelayFraming.TryRead(_buffer.AsSpan(_start, _end - _start), key, out header, out var length, out error);
        payload = default;
        if (read == FrameRead.Frame && header.Sequence != _expected)
        {
            error = $"frame {header.Sequence} arrived where frame {_expected} was due (lost, repeated or reordered)";
            return FrameRead.Corrupt;
        }

        if (read == FrameRead.Frame)
        {
            _expected++;
            payload = RelayFraming.Payload(_buffer.AsSpan(_start, length), header);
            _start += length;
            if (_start == _end)
            {
                _start = _end = 0;
            }
        }

        return read;
    }
}
