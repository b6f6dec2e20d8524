using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The relay's frames on the wire: a 20-byte header (magic 'R' 'X', type, codec, channel u16, reserved u16, sequence
/// u32, payload length u32, decoded length u32; big-endian), the payload, and a MAC of header and payload
/// (HMAC-SHA256 truncated to 128 bits, keyed per direction from the per-migration secret:
/// <see cref="RelaySecrets.FrameKey"/>). Each direction numbers its frames from 0 under the MAC, so a lost, repeated,
/// reordered, corrupted or forged frame is caught: whoever sits on the WAN path without the secret can drop the link
/// but not change what arrives. Both lengths are bounded, so a corrupt header cannot make a reader wait for or
/// allocate more than one frame's worth. Payloads are not encrypted (docs/security.md).
/// </summary>
public static class RelayFraming
{
    public const int HeaderBytes = 20;
    public const int TrailerBytes = 16;

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
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> key, RelayFrameType type, FrameCodec codec, int channel, uint sequence, ReadOnlySpan<byte> payload, int decodedLength)
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
        Mac(key, span[..(HeaderBytes + payload.Length)], span[(HeaderBytes + payload.Length)..]);
        output.Advance(length);
    }

    /// <summary>
    /// Reads the frame at the start of <paramref name="buffer"/>: <see cref="FrameRead.NeedMore"/>, <see cref="FrameRead.Frame"/>
    /// (with its header, payload offset and total length) or <see cref="FrameRead.Corrupt"/> (with one line).
    /// </summary>
    public static FrameRead TryRead(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> key, out RelayFrameHeader header, out int frameLength, out string error)
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

        Span<byte> expected = stackalloc byte[TrailerBytes];
        Mac(key, buffer[..(HeaderBytes + (int)payloadLength)], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, buffer.Slice(HeaderBytes + (int)payloadLength, TrailerBytes)))
        {
            error = string.Create(CultureInfo.InvariantCulture, $"a {type} frame of {payloadLength} bytes fails its MAC (corrupted, or not made with this migration's secret)");
            return FrameRead.Corrupt;
        }

        header = new RelayFrameHeader(type, codec, BinaryPrimitives.ReadUInt16BigEndian(buffer[4..]), BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]), (int)payloadLength, (int)decodedLength);
        frameLength = length;
        return FrameRead.Frame;
    }

    /// <summary>The first <see cref="TrailerBytes"/> of HMAC-SHA256(<paramref name="key"/>, <paramref name="data"/>) into <paramref name="destination"/>.</summary>
    private static void Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (key.Length < RelaySecrets.MacBytes)
        {
            throw new ArgumentException($"A relay frame key has {RelaySecrets.MacBytes} bytes.", nameof(key));
        }

        Span<byte> full = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, data, full);
        full[..TrailerBytes].CopyTo(destination);
    }

    /// <summary>The payload of a frame read by <see cref="TryRead"/>.</summary>
    public static ReadOnlySpan<byte> Payload(ReadOnlySpan<byte> frame, RelayFrameHeader header) => frame.Slice(HeaderBytes, header.PayloadLength);
}
