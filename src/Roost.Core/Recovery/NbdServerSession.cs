using System.Buffers.Binary;
using System.Globalization;

namespace Roost.Core.Recovery;

/// <summary>
/// The server's half of one NBD connection, sans-I/O: bytes from the client in (<see cref="Receive"/>), what to do
/// out (<see cref="NbdServerOutput"/>). It speaks the "fixed newstyle" negotiation (<c>NBD_OPT_GO</c>,
/// <c>NBD_OPT_INFO</c>, <c>NBD_OPT_EXPORT_NAME</c>, <c>NBD_OPT_ABORT</c>; every other option is answered
/// "unsupported", so a client such as QEMU falls back to simple replies) and then compact requests: read, write,
/// flush, disconnect. One export, of <see cref="ExportBytes"/>, under any name. Everything the client sends is
/// checked: a read or write outside the export is answered with <c>EINVAL</c> by the session itself and never reaches
/// the host; a request longer than <see cref="MaxRequestBytes"/>, an unknown magic or an option longer than 64 KiB
/// ends the connection. The session holds at most one request (header and payload) of unparsed bytes.
/// </summary>
/// <remarks>Not thread-safe. Format: the NBD protocol document (proto.md), "Fixed newstyle negotiation", "Transmission phase".</remarks>
public sealed class NbdServerSession
{
    public const uint EInval = 22;
    public const uint EIo = 5;

    private const ulong NbdMagic = 0x4e42444d41474943;
    private const ulong OptionMagic = 0x49484156454F5054;
    private const ulong OptionReplyMagic = 0x0003e889045565a9;
    private const uint RequestMagic = 0x25609513;
    private const uint SimpleReplyMagic = 0x67446698;
    private const ushort FixedNewstyle = 1;
    private const ushort NoZeroes = 2;
    private const uint ClientFlagsKnown = FixedNewstyle | NoZeroes;
    private const uint OptExportName = 1;
    private const uint OptAbort = 2;
    private const uint OptInfo = 6;
    private const uint OptGo = 7;
    private const uint RepAck = 1;
    private const uint RepInfo = 3;
    private const uint RepErrUnsupported = 0x80000001;
    private const uint RepErrInvalid = 0x80000003;
    private const ushort InfoExport = 0;
    private const ushort CmdRead = 0;
    private const ushort CmdWrite = 1;
    private const ushort CmdDisconnect = 2;
    private const ushort CmdFlush = 3;
    private const int MaxOptionBytes = 64 * 1024;
    private const int RequestHeaderBytes = 28;

    /// <summary>What the export offers: flags present, flush and FUA accepted (FUA writes complete as any write: only when the mode says they are durable).</summary>
    private const ushort TransmissionFlags = 1 | (1 << 2) | (1 << 3);

    private byte[] _buffer = new byte[4096];
    private int _filled;
    private Phase _phase = Phase.ClientFlags;
    private bool _noZeroes;

    public NbdServerSession(long exportBytes, int maxRequestBytes = 32 * 1024 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(exportBytes, 512);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRequestBytes, 4096);
        ExportBytes = exportBytes;
        MaxRequestBytes = maxRequestBytes;
    }

    private enum Phase
    {
        ClientFlags,
        Options,
        Transmission,
        Closed,
    }

    public long ExportBytes { get; }

    public int MaxRequestBytes { get; }

    /// <summary>Bytes received and not yet parsed (bounded by one request).</summary>
    public int Buffered => _filled;

    public bool IsClosed => _phase == Phase.Closed;

    /// <summary>What the server sends first, on accept: magic, "IHAVEOPT", fixed newstyle without zero padding.</summary>
    public static byte[] Greeting()
    {
        var greeting = new byte[18];
        BinaryPrimitives.WriteUInt64BigEndian(greeting, NbdMagic);
        BinaryPrimitives.WriteUInt64BigEndian(greeting.AsSpan(8), OptionMagic);
        BinaryPrimitives.WriteUInt16BigEndian(greeting.AsSpan(16), FixedNewstyle | NoZeroes);
        return greeting;
    }

    /// <summary>The answer to request <paramref name="handle"/>: error 0 and, for a read, its data.</summary>
    public static byte[] SimpleReply(ulong handle, uint error, ReadOnlySpan<byte> data = default)
    {
        var reply = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt32BigEndian(reply, SimpleReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(4), error);
        BinaryPrimitives.WriteUInt64BigEndian(reply.AsSpan(8), handle);
        data.CopyTo(reply.AsSpan(16));
        return reply;
    }

    public IReadOnlyList<NbdServerOutput> Receive(ReadOnlySpan<byte> bytes)
    {
        var outputs = new List<NbdServerOutput>();
        while (!bytes.IsEmpty && _phase != Phase.Closed)
        {
            var need = Need();
            if (need > _buffer.Length)
            {
                Array.Resize(ref _buffer, need);
            }

            var take = Math.Min(bytes.Length, need - _filled);
            bytes[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            bytes = bytes[take..];
            if (_filled == need && Step(outputs) is { } consumed)
            {
                _filled = 0;
                Shrink(consumed);
            }
        }

        return outputs;
    }

    /// <summary>The bytes the current unit needs in all, as far as the buffer tells (a header first, then its payload).</summary>
    private int Need() => _phase switch
    {
        Phase.ClientFlags => 4,
        Phase.Options => _filled < 16 ? 16 : 16 + (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(12)), (uint)MaxOptionBytes),
        _ => _filled < RequestHeaderBytes || !IsWrite() ? RequestHeaderBytes : RequestHeaderBytes + (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(24)), (uint)MaxRequestBytes),
    };

    private bool IsWrite() => BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(6)) == CmdWrite;

    /// <summary>Handles the complete unit in the buffer; null when it turned out to need more bytes (a header that announced a payload).</summary>
    private int? Step(List<NbdServerOutput> outputs)
    {
        var unit = _buffer.AsSpan(0, _filled);
        switch (_phase)
        {
            case Phase.ClientFlags:
                var flags = BinaryPrimitives.ReadUInt32BigEndian(unit);
                if ((flags & FixedNewstyle) == 0 || (flags & ~ClientFlagsKnown) != 0)
                {
                    return Close(outputs, string.Create(CultureInfo.InvariantCulture, $"NBD client flags 0x{flags:x} are not fixed newstyle"));
                }

                _noZeroes = (flags & NoZeroes) != 0;
                _phase = Phase.Options;
                return unit.Length;
            case Phase.Options:
                return Option(unit, outputs);
            default:
                return Request(unit, outputs);
        }
    }

    private int? Option(ReadOnlySpan<byte> unit, List<NbdServerOutput> outputs)
    {
        if (BinaryPrimitives.ReadUInt64BigEndian(unit) != OptionMagic)
        {
            return Close(outputs, "an NBD option without the IHAVEOPT magic");
        }

        var option = BinaryPrimitives.ReadUInt32BigEndian(unit[8..]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(unit[12..]);
        if (length > MaxOptionBytes)
        {
            return Close(outputs, string.Create(CultureInfo.InvariantCulture, $"an NBD option of {length} bytes (at most {MaxOptionBytes})"));
        }

        if (unit.Length < 16 + length)
        {
            return null;
        }

        var data = unit[16..];
        switch (option)
        {
            case OptExportName:
                // The old way in: size, flags and (unless the client refused them) 124 zero bytes; no error is possible.
                var reply = new byte[10 + (_noZeroes ? 0 : 124)];
                BinaryPrimitives.WriteUInt64BigEndian(reply, (ulong)ExportBytes);
                BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(8), TransmissionFlags);
                outputs.Add(new NbdServerOutput.Send(reply));
                Enter(outputs);
                break;
            case OptInfo or OptGo:
                if (!IsInfoRequest(data))
                {
                    outputs.Add(new NbdServerOutput.Send(OptionReply(option, RepErrInvalid, [])));
                    break;
                }

                var info = new byte[12];
                BinaryPrimitives.WriteUInt16BigEndian(info, InfoExport);
                BinaryPrimitives.WriteUInt64BigEndian(info.AsSpan(2), (ulong)ExportBytes);
                BinaryPrimitives.WriteUInt16BigEndian(info.AsSpan(10), TransmissionFlags);
                outputs.Add(new NbdServerOutput.Send([.. OptionReply(option, RepInfo, info), .. OptionReply(option, RepAck, [])]));
                if (option == OptGo)
                {
                    Enter(outputs);
                }

                break;
            case OptAbort:
                outputs.Add(new NbdServerOutput.Send(OptionReply(option, RepAck, [])));
                return Close(outputs, "the NBD client ended the negotiation");
            default:
                outputs.Add(new NbdServerOutput.Send(OptionReply(option, RepErrUnsupported, [])));
                break;
        }

        return unit.Length;
    }

    /// <summary>NBD_OPT_INFO/GO data: name length, name, count of information requests, the requests (2 bytes each).</summary>
    private static bool IsInfoRequest(ReadOnlySpan<byte> data)
    {
        if (data.Length < 6)
        {
            return false;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > data.Length - 6)
        {
            return false;
        }

        var requests = BinaryPrimitives.ReadUInt16BigEndian(data[(4 + (int)nameLength)..]);
        return data.Length == 6 + nameLength + (2 * requests);
    }

    private void Enter(List<NbdServerOutput> outputs)
    {
        _phase = Phase.Transmission;
        outputs.Add(new NbdServerOutput.Ready());
    }

    private static byte[] OptionReply(uint option, uint type, ReadOnlySpan<byte> data)
    {
        var reply = new byte[20 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(reply, OptionReplyMagic);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(12), type);
        BinaryPrimitives.WriteUInt32BigEndian(reply.AsSpan(16), (uint)data.Length);
        data.CopyTo(reply.AsSpan(20));
        return reply;
    }

    private int? Request(ReadOnlySpan<byte> unit, List<NbdServerOutput> outputs)
    {
        if (BinaryPrimitives.ReadUInt32BigEndian(unit) != RequestMagic)
        {
            return Close(outputs, "bytes that are not an NBD request");
        }

        var type = BinaryPrimitives.ReadUInt16BigEndian(unit[6..]);
        var handle = BinaryPrimitives.ReadUInt64BigEndian(unit[8..]);
        var offset = BinaryPrimitives.ReadUInt64BigEndian(unit[16..]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(unit[24..]);
        if (length > MaxRequestBytes)
        {
            return Close(outputs, string.Create(CultureInfo.InvariantCulture, $"an NBD request of {length} bytes (at most {MaxRequestBytes})"));
        }

        if (type == CmdWrite && unit.Length < RequestHeaderBytes + length)
        {
            return null;
        }

        var inside = offset <= (ulong)ExportBytes && length <= (ulong)ExportBytes - offset;
        switch (type)
        {
            case CmdRead when inside && length > 0:
                outputs.Add(new NbdServerOutput.Read(handle, (long)offset, (int)length));
                break;
            case CmdWrite when inside && length > 0:
                outputs.Add(new NbdServerOutput.Write(handle, (long)offset, unit.Slice(RequestHeaderBytes, (int)length).ToArray()));
                break;
            case CmdFlush:
                outputs.Add(new NbdServerOutput.Flush(handle));
                break;
            case CmdDisconnect:
                return Close(outputs, "the NBD client disconnected");
            default:
                // Outside the export, empty, or a command this export did not offer: the client's mistake, answered here.
                outputs.Add(new NbdServerOutput.Send(SimpleReply(handle, EInval)));
                break;
        }

        return unit.Length;
    }

    private int Close(List<NbdServerOutput> outputs, string reason)
    {
        _phase = Phase.Closed;
        outputs.Add(new NbdServerOutput.Close(reason));
        return _filled;
    }

    private void Shrink(int consumed)
    {
        // A large write grew the buffer; give the memory back once it is handled.
        if (consumed > 64 * 1024 && _buffer.Length > 64 * 1024)
        {
            _buffer = new byte[4096];
        }
    }
}
