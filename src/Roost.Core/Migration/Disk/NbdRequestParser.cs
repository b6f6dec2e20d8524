using System.Buffers.Binary;
using Roost.Core.Migration.Stream;

namespace Roost.Core.Migration.Disk;

/// <summary>
/// An incremental, sans-I/O parser of what an NBD client sends (the NBD protocol, "fixed newstyle" negotiation, then
/// requests): the payload of each <c>NBD_CMD_WRITE</c> at a 4 KiB-aligned offset goes to the sink as 4 KiB blocks
/// (so the relay can deduplicate, delta-encode and compress them against the same keyed content index as guest
/// pages), keyed by block number; everything else (the client's flags, options, other requests, unaligned or partial
/// blocks) passes through as raw bytes. Compact (28-byte) and extended (32-byte) request headers are both read. What
/// it does not recognise makes it pass the rest through unchanged: the output is the input, byte for byte, always.
/// </summary>
/// <remarks>Not thread-safe. Format: the NBD protocol document (proto.md), "Transmission phase", "Request message".</remarks>
public sealed class NbdRequestParser : IRelayStreamParser
{
    public const int BlockSize = 4096;

    /// <summary>The NBD client's option marker, <c>IHAVEOPT</c>.</summary>
    private const ulong OptionMagic = 0x49484156454F5054;

    private const uint RequestMagic = 0x25609513;
    private const uint ExtendedRequestMagic = 0x21e41c71;
    private const ushort WriteCommand = 1;
    private const ushort PayloadLengthFlag = 1 << 5;
    private const int MaxOptionBytes = 64 * 1024;

    private State _state = State.ClientFlags;
    private long _payloadLeft;
    private long _nextBlock;
    private bool _blocks;

    private enum State
    {
        ClientFlags,
        Negotiation,
        Requests,
        Payload,
        PassThrough,
    }

    /// <summary>Write requests seen.</summary>
    public long Writes { get; private set; }

    /// <summary>4 KiB blocks handed to the sink as blocks.</summary>
    public long Blocks { get; private set; }

    /// <summary>Why the parser passes the rest through, once it does.</summary>
    public string? PassThroughReason { get; private set; }

    public int Parse(ReadOnlySpan<byte> input, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var consumed = 0;
        while (consumed < input.Length)
        {
            var rest = input[consumed..];
            var used = _state switch
            {
                State.ClientFlags => Fixed(rest, sink, 4, State.Negotiation),
                State.Negotiation => Option(rest, sink),
                State.Requests => Request(rest, sink),
                State.Payload => Payload(rest, sink),
                _ => Raw(rest, sink),
            };
            if (used == 0)
            {
                break;
            }

            consumed += used;
        }

        return consumed;
    }

    public void Finish(ReadOnlySpan<byte> leftover, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!leftover.IsEmpty)
        {
            sink.Raw(leftover, StreamChunkKind.Stream);
        }
    }

    private static int Raw(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        sink.Raw(rest, StreamChunkKind.Stream);
        return rest.Length;
    }

    private int Fixed(ReadOnlySpan<byte> rest, IStreamSink sink, int length, State next)
    {
        if (rest.Length < length)
        {
            return 0;
        }

        sink.Raw(rest[..length], StreamChunkKind.Stream);
        _state = next;
        return length;
    }

    private int Option(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (rest.Length < 8)
        {
            return 0;
        }

        if (BinaryPrimitives.ReadUInt64BigEndian(rest) != OptionMagic)
        {
            _state = State.Requests; // Negotiation is over: what follows are requests.
            return Request(rest, sink);
        }

        if (rest.Length < 16)
        {
            return 0;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(rest[12..]);
        if (length > MaxOptionBytes)
        {
            return PassThrough(rest, sink, "an NBD option longer than the parser's limit");
        }

        return Fixed(rest, sink, 16 + (int)length, State.Negotiation);
    }

    private int Request(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (rest.Length < 4)
        {
            return 0;
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(rest);
        var extended = magic == ExtendedRequestMagic;
        if (magic != RequestMagic && !extended)
        {
            return PassThrough(rest, sink, "bytes that are not an NBD request");
        }

        var headerLength = extended ? 32 : 28;
        if (rest.Length < headerLength)
        {
            return 0;
        }

        var flags = BinaryPrimitives.ReadUInt16BigEndian(rest[4..]);
        var type = BinaryPrimitives.ReadUInt16BigEndian(rest[6..]);
        var offset = BinaryPrimitives.ReadUInt64BigEndian(rest[16..]);
        var length = extended ? BinaryPrimitives.ReadUInt64BigEndian(rest[24..]) : BinaryPrimitives.ReadUInt32BigEndian(rest[24..]);
        sink.Raw(rest[..headerLength], StreamChunkKind.Stream);
        var hasPayload = type == WriteCommand || (extended && (flags & PayloadLengthFlag) != 0);
        if (hasPayload && length > 0)
        {
            if (length > long.MaxValue / 2)
            {
                return headerLength + PassThrough(rest[headerLength..], sink, "an NBD payload length out of range");
            }

            Writes += type == WriteCommand ? 1 : 0;
            _payloadLeft = (long)length;
            _blocks = type == WriteCommand && offset % BlockSize == 0 && offset <= long.MaxValue;
            _nextBlock = _blocks ? (long)(offset / BlockSize) : 0;
            _state = State.Payload;
        }

        return headerLength;
    }

    private int Payload(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (_blocks && _payloadLeft >= BlockSize)
        {
            if (rest.Length < BlockSize)
            {
                return 0;
            }

            sink.Page([], new PageKey(0, _nextBlock++), rest[..BlockSize]);
            Blocks++;
            Advance(BlockSize);
            return BlockSize;
        }

        var take = (int)Math.Min(_payloadLeft, rest.Length);
        sink.Raw(rest[..take], StreamChunkKind.Stream);
        Advance(take);
        return take;
    }

    private void Advance(int bytes)
    {
        _payloadLeft -= bytes;
        if (_payloadLeft == 0)
        {
            _state = State.Requests;
        }
    }

    private int PassThrough(ReadOnlySpan<byte> rest, IStreamSink sink, string reason)
    {
        PassThroughReason = reason;
        _state = State.PassThrough;
        return rest.IsEmpty ? 0 : Raw(rest, sink);
    }
}
