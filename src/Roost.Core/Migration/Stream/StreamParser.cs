using System.Buffers.Binary;
using System.Text;
using static Roost.Core.Migration.Stream.QemuStreamFormat;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// An incremental, sans-I/O parser of QEMU's migration stream (precopy, QEMU 10). It finds the RAM section's page
/// records and hands everything else on unchanged: the header, the configuration section, commands, section markers
/// and footers, zero-page records, and all device state after the RAM section's end. What it does not understand
/// (another iterative section, a device section before RAM ends, XBZRLE-era records it cannot frame, a package) makes
/// it pass the rest of the stream through as it is: the output is the input, byte for byte, whatever the input.
/// </summary>
/// <remarks>
/// Feed it the unconsumed bytes each time (<see cref="Parse"/> returns how many it consumed: whole items only), and
/// <see cref="Finish"/> the leftover when the stream ends. Not thread-safe. Formats: migration/savevm.c
/// (qemu_savevm_state_header, save_section_header/footer, vmstate_configuration) and migration/ram.c
/// (ram_save_setup, save_page_header, RAM_SAVE_FLAG_*).
/// </remarks>
public sealed class StreamParser : IRelayStreamParser
{
    /// <summary>The most bytes one item may need before the parser gives up on it and passes the rest through. A caller's buffer must hold at least this much.</summary>
    public const int MaxItemBytes = 128 * 1024;

    private const int MaxNameBytes = 255;
    private const int MaxCapabilities = 64;

    private readonly Dictionary<string, int> _blocks = new(StringComparer.Ordinal);
    private State _state = State.Header;
    private uint _ramSection;
    private bool _ramSeen;
    private bool _ramEnding;
    private int _block = -1;

    private enum State
    {
        Header,
        Top,
        RamRecords,
        RamFooter,
        PassThrough,
    }

    /// <summary>Why the parser passes the rest through, once it does (null while it still parses, and after a normal end of RAM).</summary>
    public string? PassThroughReason { get; private set; }

    /// <summary>True when the stream ended in the middle of an item (QEMU stopped writing part-way, e.g. a cancelled migration).</summary>
    public bool EndedInsideItem { get; private set; }

    /// <summary>True once the RAM section has ended (what follows is device state, passed through).</summary>
    public bool RamEnded { get; private set; }

    /// <summary>The RAM blocks seen, in order of appearance (the index is <see cref="PageKey.Block"/>).</summary>
    public IReadOnlyList<string> Blocks => [.. _blocks.OrderBy(b => b.Value).Select(b => b.Key)];

    /// <summary>Parses as many whole items from the start of <paramref name="input"/> as it holds; returns the bytes consumed.</summary>
    public int Parse(ReadOnlySpan<byte> input, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var consumed = 0;
        while (consumed < input.Length)
        {
            var rest = input[consumed..];
            if (_state == State.PassThrough)
            {
                sink.Raw(rest, StreamChunkKind.Stream);
                return input.Length;
            }

            var used = _state switch
            {
                State.Header => Header(rest, sink),
                State.Top => Top(rest, sink),
                State.RamRecords => Record(rest, sink),
                _ => Footer(rest, sink),
            };
            if (used < 0)
            {
                if (_state != State.PassThrough)
                {
                    PassThrough("an item the parser does not know");
                }

                continue;
            }

            if (used == 0)
            {
                if (rest.Length >= MaxItemBytes)
                {
                    PassThrough("an item longer than the parser's limit");
                    continue;
                }

                break;
            }

            consumed += used;
        }

        return consumed;
    }

    /// <summary>The stream ended: hands on what is left unparsed (a truncated stream) as it is.</summary>
    public void Finish(ReadOnlySpan<byte> leftover, IStreamSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        EndedInsideItem = !leftover.IsEmpty;
        if (EndedInsideItem)
        {
            sink.Raw(leftover, StreamChunkKind.Stream);
        }
    }

    private int Header(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (rest.Length < 8)
        {
            return 0;
        }

        if (BinaryPrimitives.ReadUInt32BigEndian(rest) != FileMagic || BinaryPrimitives.ReadUInt32BigEndian(rest[4..]) != FileVersion)
        {
            return PassThrough("not a QEMU version 3 stream");
        }

        sink.Raw(rest[..8], StreamChunkKind.Stream);
        _state = State.Top;
        return 8;
    }

    private int Top(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        switch (rest[0])
        {
            case Configuration:
                return Emit(rest, ConfigurationLength(rest), sink);
            case Command:
                if (rest.Length < 5)
                {
                    return 0;
                }

                var command = BinaryPrimitives.ReadUInt16BigEndian(rest[1..]);
                if (command is not (CommandPing or CommandSwitchoverStart))
                {
                    return PassThrough($"migration command {command}");
                }

                return Emit(rest, 5 + BinaryPrimitives.ReadUInt16BigEndian(rest[3..]), sink);
            case SectionStart:
                return SectionStartHeader(rest, sink);
            case SectionPart or SectionEnd:
                if (rest.Length < 5)
                {
                    return 0;
                }

                if (!_ramSeen || BinaryPrimitives.ReadUInt32BigEndian(rest[1..]) != _ramSection)
                {
                    return PassThrough("a section other than RAM");
                }

                _ramEnding = rest[0] == SectionEnd;
                _state = State.RamRecords;
                return Emit(rest, 5, sink);
            default:
                return PassThrough($"section type 0x{rest[0]:x2} before the end of RAM");
        }
    }

    private int SectionStartHeader(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (rest.Length < 6)
        {
            return 0;
        }

        var nameLength = rest[5];
        var length = 6 + nameLength + 8;
        if (rest.Length < length)
        {
            return 0;
        }

        if (_ramSeen || !rest.Slice(6, nameLength).SequenceEqual("ram"u8))
        {
            return PassThrough($"iterative section '{Encoding.ASCII.GetString(rest.Slice(6, nameLength))}'");
        }

        _ramSeen = true;
        _ramSection = BinaryPrimitives.ReadUInt32BigEndian(rest[1..]);
        _ramEnding = false;
        _state = State.RamRecords;
        return Emit(rest, length, sink);
    }

    /// <summary>The length of the configuration section (vmstate_configuration and its known subsections), 0 when more is needed, -1 when unknown.</summary>
    private static int ConfigurationLength(ReadOnlySpan<byte> rest)
    {
        if (rest.Length < 5)
        {
            return 0;
        }

        var nameLength = BinaryPrimitives.ReadUInt32BigEndian(rest[1..]);
        if (nameLength > MaxNameBytes)
        {
            return -1;
        }

        var position = 5 + (int)nameLength;
        while (true)
        {
            if (rest.Length <= position)
            {
                return 0;
            }

            if (rest[position] != Subsection)
            {
                return position;
            }

            if (rest.Length < position + 2)
            {
                return 0;
            }

            var idLength = rest[position + 1];
            var body = position + 2 + idLength + 4;
            if (rest.Length < body)
            {
                return 0;
            }

            var id = rest.Slice(position + 2, idLength);
            int bodyLength;
            if (id.SequenceEqual("configuration/target-page-bits"u8))
            {
                bodyLength = 4;
            }
            else if (id.SequenceEqual("configuration/uuid"u8))
            {
                bodyLength = 16;
            }
            else if (id.SequenceEqual("configuration/capabilities"u8))
            {
                bodyLength = CapabilitiesLength(rest[body..]);
                if (bodyLength <= 0)
                {
                    return bodyLength;
                }
            }
            else
            {
                return -1;
            }

            if (rest.Length < body + bodyLength)
            {
                return 0;
            }

            position = body + bodyLength;
        }
    }

    private static int CapabilitiesLength(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4)
        {
            return 0;
        }

        var count = BinaryPrimitives.ReadUInt32BigEndian(body);
        if (count > MaxCapabilities)
        {
            return -1;
        }

        var position = 4;
        for (var i = 0; i < count; i++)
        {
            if (body.Length <= position)
            {
                return 0;
            }

            position += 1 + body[position];
        }

        return position;
    }

    private int Record(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (rest.Length < 8)
        {
            return 0;
        }

        var header = BinaryPrimitives.ReadUInt64BigEndian(rest);
        var flags = header & FlagMask;
        var kind = flags & ~RamContinue;
        var headerLength = 8;
        var block = _block;
        if ((kind & RamBlockRecords) != 0)
        {
            if ((flags & RamContinue) == 0)
            {
                if (rest.Length < 9 || rest.Length < 9 + rest[8])
                {
                    return 0;
                }

                headerLength = 9 + rest[8];
                block = BlockIndex(rest[9..headerLength]);
            }
            else if (block < 0)
            {
                return PassThrough("a RAM record continuing no block");
            }
        }

        switch (kind)
        {
            case RamPage:
                if (rest.Length < headerLength + PageSize)
                {
                    return 0;
                }

                _block = block;
                sink.Page(rest[..headerLength], new PageKey(block, (long)(header >> PageBits)), rest.Slice(headerLength, PageSize));
                return headerLength + PageSize;
            case RamZero:
                if (rest.Length < headerLength + 1)
                {
                    return 0;
                }

                _block = block;
                sink.Raw(rest[..(headerLength + 1)], StreamChunkKind.ZeroPage);
                return headerLength + 1;
            case RamEos:
                _state = State.RamFooter;
                return Emit(rest, 8, sink);
            case RamMultifdFlush:
                return Emit(rest, 8, sink);
            case RamXbzrle:
                if (rest.Length < headerLength + 3)
                {
                    return 0;
                }

                _block = block;
                return Emit(rest, headerLength + 3 + BinaryPrimitives.ReadUInt16BigEndian(rest[(headerLength + 1)..]), sink);
            case RamMemSize:
                return Emit(rest, BlockListLength(rest, header & ~FlagMask), sink);
            default:
                return PassThrough($"RAM record flags 0x{flags:x3}");
        }
    }

    /// <summary>ram_save_setup's block list: (name length, name, used length) until the lengths add up to the total.</summary>
    private int BlockListLength(ReadOnlySpan<byte> rest, ulong total)
    {
        var position = 8;
        ulong sum = 0;
        while (sum < total)
        {
            if (rest.Length <= position || rest.Length < position + 1 + rest[position] + 8)
            {
                return 0;
            }

            var name = rest.Slice(position + 1, rest[position]);
            position += 1 + name.Length;
            var used = BinaryPrimitives.ReadUInt64BigEndian(rest[position..]);
            position += 8;
            if (used == 0 || used > total - sum)
            {
                return -1;
            }

            sum += used;
            BlockIndex(name);
        }

        return position;
    }

    private int Footer(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        var length = 0;
        if (rest[0] == SectionFooter)
        {
            if (rest.Length < 5)
            {
                return 0;
            }

            if (BinaryPrimitives.ReadUInt32BigEndian(rest[1..]) != _ramSection)
            {
                return PassThrough("a section footer for another section");
            }

            length = 5;
            sink.Raw(rest[..5], StreamChunkKind.Stream);
        }

        if (_ramEnding)
        {
            RamEnded = true;
            _state = State.PassThrough;
        }
        else
        {
            _state = State.Top;
        }

        // No footer (machine types without them): the next byte is the next section's; nothing consumed yet.
        return length == 0 ? ParseNext(rest, sink) : length;
    }

    private int ParseNext(ReadOnlySpan<byte> rest, IStreamSink sink)
    {
        if (_state == State.PassThrough)
        {
            sink.Raw(rest, StreamChunkKind.Stream);
            return rest.Length;
        }

        return Top(rest, sink);
    }

    private int BlockIndex(ReadOnlySpan<byte> name)
    {
        var lookup = _blocks.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> chars = stackalloc char[name.Length];
        var count = Encoding.Latin1.GetChars(name, chars);
        if (lookup.TryGetValue(chars[..count], out var index))
        {
            return index;
        }

        index = _blocks.Count;
        _blocks.Add(new string(chars[..count]), index);
        return index;
    }

    /// <summary>Hands on the first <paramref name="length"/> bytes; passes 0 (more needed) and -1 (unknown) on.</summary>
    private static int Emit(ReadOnlySpan<byte> rest, int length, IStreamSink sink)
    {
        if (length <= 0 || rest.Length < length)
        {
            return length < 0 ? -1 : 0;
        }

        sink.Raw(rest[..length], StreamChunkKind.Stream);
        return length;
    }

    private int PassThrough(string reason)
    {
        PassThroughReason = reason;
        _state = State.PassThrough;
        return -1;
    }
}
