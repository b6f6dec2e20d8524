using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Transport;

/// <summary>
/// The frames the socket runner exchanges over TCP: a 4-byte little-endian length, then the sender and receiver
/// (role byte and 16-bit index each), a 64-bit counter that rises strictly on each connection (no replay within it),
/// the encoded message, and an HMAC-SHA256 over all of that with the key of that pair of nodes. A frame longer than
/// <see cref="MaxFrameBytes"/>, with a bad MAC, a wrong receiver, a counter that does not rise, or an undecodable
/// message is rejected with one <see cref="FrameException"/> naming what is wrong; nothing larger than the bound is
/// ever buffered, and a frame's buffer grows with the bytes that arrive, not with the length its prefix declares.
/// </summary>
public static class Frames
{
    /// <summary>Upper bound of one frame (a state reply is at most about 4 MiB; the bound leaves room).</summary>
    public const int MaxFrameBytes = 16 << 20;

    private const int HeaderBytes = 3 + 3 + 8;
    private const int MacBytes = 32;

    // A frame's buffer starts at this size (or the declared length if smaller) and doubles as bytes arrive.
    private const int FirstBufferBytes = 64 << 10;

    /// <summary>The bytes of one frame, length prefix included.</summary>
    public static byte[] Encode(Keyring keyring, NodeId from, NodeId to, ulong counter, Message message)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentNullException.ThrowIfNull(message);
        var body = MessageCodec.Encode(message);
        var length = HeaderBytes + body.Length + MacBytes;
        if (length > MaxFrameBytes)
        {
            throw new FrameException($"a {message.GetType().Name} of {body.Length} bytes exceeds the frame bound of {MaxFrameBytes} bytes");
        }

        var frame = new byte[4 + length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        WriteNode(frame.AsSpan(4), from);
        WriteNode(frame.AsSpan(7), to);
        BinaryPrimitives.WriteUInt64LittleEndian(frame.AsSpan(10), counter);
        body.CopyTo(frame.AsSpan(4 + HeaderBytes));
        HMACSHA256.HashData(keyring.PairKey(from, to), frame.AsSpan(4, HeaderBytes + body.Length), frame.AsSpan(4 + HeaderBytes + body.Length));
        return frame;
    }

    /// <summary>
    /// Reads one frame addressed to <paramref name="self"/>; null at a clean end of stream. <paramref name="lastCounter"/>
    /// is the connection's last accepted counter and is advanced. <paramref name="where"/> names the peer for errors.
    /// </summary>
    public static async Task<(NodeId From, Message Message)?> ReadAsync(Stream stream, Keyring keyring, NodeId self, StrongBox<ulong> lastCounter, string where, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentNullException.ThrowIfNull(lastCounter);
        var prefix = new byte[4];
        var got = await ReadFullyAsync(stream, prefix, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < prefix.Length)
        {
            throw new FrameException($"corrupt frame from {where}: the stream ended inside a length prefix");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        if (length < HeaderBytes + 1 + MacBytes || length > MaxFrameBytes)
        {
            throw new FrameException($"corrupt frame from {where}: length {(uint)length} is outside {HeaderBytes + 1 + MacBytes}..{MaxFrameBytes}");
        }

        var frame = await ReadFrameAsync(stream, length, cancellationToken).ConfigureAwait(false)
            ?? throw new FrameException($"corrupt frame from {where}: the stream ended inside a frame of {length} bytes");
        return Decode(frame, keyring, self, lastCounter, where);
    }

    /// <summary>Checks and decodes a frame without its length prefix.</summary>
    public static (NodeId From, Message Message) Decode(ReadOnlySpan<byte> frame, Keyring keyring, NodeId self, StrongBox<ulong> lastCounter, string where)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentNullException.ThrowIfNull(lastCounter);
        if (frame.Length < HeaderBytes + 1 + MacBytes)
        {
            throw new FrameException($"corrupt frame from {where}: {frame.Length} bytes is shorter than a header and a MAC");
        }

        var from = ReadNode(frame, where);
        var to = ReadNode(frame[3..], where);
        if (to != self)
        {
            throw new FrameException($"corrupt frame from {where}: addressed to {to}, this is {self}");
        }

        if (!keyring.Knows(from, to))
        {
            throw new FrameException($"corrupt frame from {where}: {from} is not a peer of {to} (no key for the pair)");
        }

        var signed = frame[..^MacBytes];
        Span<byte> mac = stackalloc byte[MacBytes];
        HMACSHA256.HashData(keyring.PairKey(from, to), signed, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, frame[^MacBytes..]))
        {
            throw new FrameException($"corrupt frame from {where}: the MAC does not match the key of {from} and {to}");
        }

        var counter = BinaryPrimitives.ReadUInt64LittleEndian(frame[6..]);
        if (counter <= lastCounter.Value)
        {
            throw new FrameException($"corrupt frame from {where}: counter {counter} does not rise above {lastCounter.Value} (a replayed frame)");
        }

        Message message;
        try
        {
            message = MessageCodec.Decode(signed[HeaderBytes..]);
        }
        catch (WireFormatException e)
        {
            throw new FrameException($"corrupt frame from {where}: {e.Message}");
        }

        lastCounter.Value = counter;
        return (from, message);
    }

    private static void WriteNode(Span<byte> span, NodeId node)
    {
        span[0] = (byte)node.Role;
        BinaryPrimitives.WriteUInt16LittleEndian(span[1..], checked((ushort)node.Index));
    }

    private static NodeId ReadNode(ReadOnlySpan<byte> span, string where)
    {
        var role = span[0];
        if (role > (byte)NodeRole.Client)
        {
            throw new FrameException($"corrupt frame from {where}: node role {role} is unknown");
        }

        return new NodeId((NodeRole)role, BinaryPrimitives.ReadUInt16LittleEndian(span[1..]));
    }

    /// <summary>
    /// Reads the <paramref name="length"/> bytes of a frame into a buffer that doubles as they arrive, so that a prefix
    /// declaring more than the peer sends costs what was sent; null if the stream ends first.
    /// </summary>
    private static async Task<byte[]?> ReadFrameAsync(Stream stream, int length, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(length, FirstBufferBytes)];
        var read = 0;
        while (read < length)
        {
            if (read == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            }

            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return null;
            }

            read += n;
        }

        return buffer;
    }

    /// <summary>Reads until the buffer is full or the stream ends; returns how many bytes were read.</summary>
    private static async Task<int> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return read;
    }
}

/// <summary>A frame that cannot be accepted; the message is one line naming the peer and what is wrong.</summary>
public sealed class FrameException : Exception
{
    public FrameException(string message)
        : base(message)
    {
    }

    public FrameException()
    {
    }

    public FrameException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
