using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The relay's frames on the wire: a 20-byte header (magic 'R' 'X', type, codec, channel u16, reserved u16, sequence
/// u32, payload length u32, decoded length u32; big-endian), the payload, and an XxHash3-64 checksum of header and
/// payload. Each direction numbers its frames from 0, so a lost, repeated or reordered frame is caught, not only a
/// corrupted one. Both lengths are bounded, so a corrupt header cannot make a reader wait for or allocate more than
/// one frame's worth.
/// </summary>
public static class RelayFraming
{
    public const int HeaderBytes = 20;
    public const int TrailerBytes = 8;

    /// <summary>The protocol version in Hello and Challenge; a peer of another version is refused.</summary>
    public const ushort ProtocolVersion = 1;

    /// <summary>The most a frame's payload may hold once decompressed.</summary>
    public const int MaxDecodedBytes = 1024 * 1024;

    /// <summary>The most a frame's payload may take on the wire (compressors may grow incompressible input a little).</summary>
    public const int MaxPayloadBytes = MaxDecodedBytes + 64 * 1024;

    public const int MaxFrameBytes = HeaderBytes + MaxPayloadBytes + TrailerBytes;

    private const byte Magic0 = (byte)'R';
    private const byte Magic1 = (byte)'X';

    /// <summary>Writes one frame.</summary>
    public static void Write(IBufferWriter<byte> output, RelayFrameType type, FrameCodec codec, int channel, uint sequence, ReadOnlySpan<byte> payload, int decodedLength)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfNegative(channel);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(channel, ushort.MaxValue);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxPayloadBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(decodedLength, MaxDecodedBytes);
        var length = HeaderBytes + payload.Length + TrailerBytes;
        var span = output.GetSpan(length)[..length];
        span[0] = Magic0;
        span[1] = Magic1;
        span[2] = (byte)type;
        span[3] = (byte)codec;
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], (ushort)channel);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(span[12..], (uint)payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(span[16..], (uint)decodedLength);
        payload.CopyTo(span[HeaderBytes..]);
        BinaryPrimitives.WriteUInt64BigEndian(span[(HeaderBytes + payload.Length)..], XxHash3.HashToUInt64(span[..(HeaderBytes + payload.Length)]));
        output.Advance(length);
    }

    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/>: <see cref="FrameRead.NeedMore"/>, <see cref="FrameRead.Frame"/>
    /// (with its header, payload offset and total length) or <see cref="FrameRead.Corrupt"/> (with one line).
    /// </summary>
    public static FrameRead TryRead(ReadOnlySpan<byte> buffer, out RelayFrameHeader header, out int frameLength, out string error)
    {
        header = default;
        frameLength = 0;
        error = "";
        if (buffer.Length < HeaderBytes)
        {
            return FrameRead.NeedMore;
        }

        var payloadLength = BinaryPrimitives.ReadUInt32BigEndian(buffer[12..]);
        var decodedLength = BinaryPrimitives.ReadUInt32BigEndian(buffer[16..]);
        var type = (RelayFrameType)buffer[2];
        var codec = (FrameCodec)buffer[3];
        if (buffer[0] != Magic0 || buffer[1] != Magic1 || BinaryPrimitives.ReadUInt16BigEndian(buffer[6..]) != 0)
        {
            error = "a relay frame does not start with the relay's magic";
            return FrameRead.Corrupt;
        }

        if (!Enum.IsDefined(type) || !Enum.IsDefined(codec) || payloadLength > MaxPayloadBytes || decodedLength > MaxDecodedBytes)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"a relay frame header is out of range (type {(int)type}, codec {(int)codec}, {payloadLength} bytes, {decodedLength} decoded)");
            return FrameRead.Corrupt;
        }

        var length = HeaderBytes + (int)payloadLength + TrailerBytes;
        if (buffer.Length < length)
        {
            return FrameRead.NeedMore;
        }

        var expected = BinaryPrimitives.ReadUInt64BigEndian(buffer[(HeaderBytes + (int)payloadLength)..]);
        if (XxHash3.HashToUInt64(buffer[..(HeaderBytes + (int)payloadLength)]) != expected)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"a {type} frame of {payloadLength} bytes fails its checksum");
            return FrameRead.Corrupt;
        }

        header = new RelayFrameHeader(type, codec, BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]), BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]), (int)payloadLength, (int)decodedLength);
        frameLength = length;
        return FrameRead.Frame;
    }

    /// <summary>The payload of a frame read by <see cref="TryRead"/>.</summary>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> frame, RelayFrameHeader header) => frame.Slice(HeaderBytes, header.PayloadLength);
}
