using System.Buffers.Binary;
using System.Security.Cryptography;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// The replication wire format between the primary site and the cloud site's replication manager (one contract for
/// both ends). A frame is
/// <c>length u32 | magic "RDR" u8×3 | version u8 | type u8 | body | HMAC-SHA256 (32 bytes)</c>, big-endian, where
/// <c>length</c> counts everything after itself and the MAC (keyed with the pair's shared secret) covers everything
/// before it: a corrupt, truncated or forged frame is refused, never half-read. Bodies: Write
/// <c>vm i32 | sequence i64 | offset i64 | data</c>; Ack <c>vm i32 | durable-through i64</c>; Heartbeat <c>vm i32 | issued i64 | mode u8</c> (0 unsaid, then async, sync, pipelined); BlockDigests
/// <c>vm i32 | block-bytes i32 | first-block i64 | total-blocks i64 | digests (32 bytes each)</c>. Sizes are bounded
/// before anything is buffered: a length above <see cref="MaxFrameBytes"/> is refused at once.
/// </summary>
public sealed class ReplicationFrameCodec
{
    public const byte Version = 1;

    public const int MacBytes = 32;

    public const int MinKeyBytes = 16;

    /// <summary>The largest write a frame carries (one NBD request of QEMU's default maximum).</summary>
    public const int MaxDataBytes = 4 * 1024 * 1024;

    private const int HeaderBytes = 4 + 5;
    private const int WriteBodyBytes = 4 + 8 + 8;
    private const int AckBodyBytes = 4 + 8;
    private const int HeartbeatBodyBytes = AckBodyBytes + 1;
    private const byte WriteType = 1;
    private const byte AckType = 2;
    private const byte DigestsType = 3;
    private const byte HeartbeatType = 4;
    private const int DigestsBodyBytes = 4 + 4 + 8 + 8;
    private const int DigestBytes = 32;

    private static readonly byte[] _magic = "RDR"u8.ToArray();
    private static readonly int _modes = Enum.GetValues<ReplicationMode>().Length;

    private readonly byte[] _key;

    public ReplicationFrameCodec(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"the replication key has {key.Length} bytes; it needs at least {MinKeyBytes}", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Largest frame on the wire, length prefix included.</summary>
    public static int MaxFrameBytes => HeaderBytes + WriteBodyBytes + MaxDataBytes + MacBytes;

    public byte[] Encode(ReplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (type, bodyLength) = message switch
        {
            ReplicationMessage.Write w when w.Data.Length is > 0 and <= MaxDataBytes => (WriteType, WriteBodyBytes + w.Data.Length),
            ReplicationMessage.Write w => throw new ArgumentException($"a write of {w.Data.Length} bytes is not from 1 to {MaxDataBytes}", nameof(message)),
            ReplicationMessage.Ack => (AckType, AckBodyBytes),
            ReplicationMessage.Heartbeat => (HeartbeatType, HeartbeatBodyBytes),
            ReplicationMessage.BlockDigests d when d.Digests.Length is > 0 and <= MaxDataBytes - DigestBytes && d.Digests.Length % DigestBytes == 0 => (DigestsType, DigestsBodyBytes + d.Digests.Length),
            ReplicationMessage.BlockDigests d => throw new ArgumentException($"{d.Digests.Length} bytes of digests are not a whole number of 32-byte digests up to {MaxDataBytes - DigestBytes}", nameof(message)),
            _ => throw new ArgumentOutOfRangeException(nameof(message), message, "unknown replication message"),
        };
        var frame = new byte[HeaderBytes + bodyLength + MacBytes];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - 4));
        _magic.CopyTo(frame, 4);
        frame[7] = Version;
        frame[8] = type;
        var body = frame.AsSpan(HeaderBytes, bodyLength);
        switch (message)
        {
            case ReplicationMessage.Write w:
                BinaryPrimitives.WriteInt32BigEndian(body, w.Vm.Value);
                BinaryPrimitives.WriteInt64BigEndian(body[4..], w.Sequence);
                BinaryPrimitives.WriteInt64BigEndian(body[12..], w.Offset);
                w.Data.Span.CopyTo(body[WriteBodyBytes..]);
                break;
            case ReplicationMessage.Ack a:
                BinaryPrimitives.WriteInt32BigEndian(body, a.Vm.Value);
                BinaryPrimitives.WriteInt64BigEndian(body[4..], a.DurableThrough);
                break;
            case ReplicationMessage.Heartbeat h:
                BinaryPrimitives.WriteInt32BigEndian(body, h.Vm.Value);
                BinaryPrimitives.WriteInt64BigEndian(body[4..], h.Issued);
                body[12] = h.Mode is { } mode ? (byte)((int)mode + 1) : (byte)0;
                break;
            case ReplicationMessage.BlockDigests d:
                BinaryPrimitives.WriteInt32BigEndian(body, d.Vm.Value);
                BinaryPrimitives.WriteInt32BigEndian(body[4..], d.BlockBytes);
                BinaryPrimitives.WriteInt64BigEndian(body[8..], d.FirstBlock);
                BinaryPrimitives.WriteInt64BigEndian(body[16..], d.TotalBlocks);
                d.Digests.Span.CopyTo(body[DigestsBodyBytes..]);
                break;
        }

        HMACSHA256.HashData(_key, frame.AsSpan(0, frame.Length - MacBytes), frame.AsSpan(frame.Length - MacBytes));
        return frame;
    }

    /// <summary>
    /// Reads the first frame of <paramref name="buffer"/>: <see cref="FrameResult.NeedMore"/> until it is whole (at
    /// most <see cref="MaxFrameBytes"/> are ever needed), then the message and the bytes it took, or
    /// <see cref="FrameResult.Invalid"/> with the reason (the connection should be closed: framing is lost).
    /// </summary>
    public FrameResult Decode(ReadOnlySpan<byte> buffer)
    {
        if (buffer.Length < 4)
        {
            return FrameResult.NeedMore.Instance;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(buffer);
        if (length < HeaderBytes - 4 + AckBodyBytes + MacBytes || length > MaxFrameBytes - 4)
        {
            return new FrameResult.Invalid($"frame length {length} is not from {HeaderBytes - 4 + AckBodyBytes + MacBytes} to {MaxFrameBytes - 4}");
        }

        if (buffer.Length < 4 + (int)length)
        {
            return FrameResult.NeedMore.Instance;
        }

        var frame = buffer[..(4 + (int)length)];
        if (!frame.Slice(4, 3).SequenceEqual(_magic))
        {
            return new FrameResult.Invalid("not a replication frame (bad magic)");
        }

        if (frame[7] != Version)
        {
            return new FrameResult.Invalid($"replication frame version {frame[7]}; this end speaks {Version}");
        }

        Span<byte> mac = stackalloc byte[MacBytes];
        HMACSHA256.HashData(_key, frame[..^MacBytes], mac);
        if (!CryptographicOperations.FixedTimeEquals(mac, frame[^MacBytes..]))
        {
            return new FrameResult.Invalid("replication frame MAC does not match (corrupt, or another key)");
        }

        var body = frame[HeaderBytes..^MacBytes];
        return frame[8] switch
        {
            WriteType when body.Length > WriteBodyBytes => new FrameResult.Frame(
                new ReplicationMessage.Write(
                    new VmId(BinaryPrimitives.ReadInt32BigEndian(body)),
                    BinaryPrimitives.ReadInt64BigEndian(body[4..]),
                    BinaryPrimitives.ReadInt64BigEndian(body[12..]),
                    body[WriteBodyBytes..].ToArray()),
                frame.Length),
            AckType when body.Length == AckBodyBytes => new FrameResult.Frame(
                new ReplicationMessage.Ack(new VmId(BinaryPrimitives.ReadInt32BigEndian(body)), BinaryPrimitives.ReadInt64BigEndian(body[4..])),
                frame.Length),
            HeartbeatType when body.Length == HeartbeatBodyBytes && body[12] <= _modes => new FrameResult.Frame(
                new ReplicationMessage.Heartbeat(new VmId(BinaryPrimitives.ReadInt32BigEndian(body)), BinaryPrimitives.ReadInt64BigEndian(body[4..]), body[12] == 0 ? null : (ReplicationMode)(body[12] - 1)),
                frame.Length),
            DigestsType when body.Length > DigestsBodyBytes && (body.Length - DigestsBodyBytes) % DigestBytes == 0 => new FrameResult.Frame(
                new ReplicationMessage.BlockDigests(
                    new VmId(BinaryPrimitives.ReadInt32BigEndian(body)),
                    BinaryPrimitives.ReadInt32BigEndian(body[4..]),
                    BinaryPrimitives.ReadInt64BigEndian(body[8..]),
                    BinaryPrimitives.ReadInt64BigEndian(body[16..]),
                    body[DigestsBodyBytes..].ToArray()),
                frame.Length),
            var type => new FrameResult.Invalid($"replication frame of type {type} with a {body.Length}-byte body is not a write, an ack, a heartbeat or block digests"),
        };
    }
}
