using System.Buffers.Binary;

namespace Roost.Bft.Messages;

/// <summary>
/// Reads what <see cref="WireWriter"/> wrote. Every length and count is checked against the bytes that remain, so a
/// corrupt or hostile message costs at most its own size in memory; a violation throws <see cref="WireFormatException"/>.
/// </summary>
public ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public WireReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Remaining => _data.Length - _position;

    public byte ReadByte() => Take(1)[0];

    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        var b => throw new WireFormatException($"byte {_position - 1}: {b} is not a boolean"),
    };

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public Digest ReadDigest() => Digest.Read(Take(Digest.Size));

    public byte[] ReadBytes()
    {
        var length = ReadInt32();
        if (length < 0 || length > Remaining)
        {
            throw new WireFormatException($"byte {_position - 4}: length {length} exceeds the {Remaining} bytes left");
        }

        return Take(length).ToArray();
    }

    /// <summary>Reads a count of items that take at least <paramref name="minItemBytes"/> each; rejects counts the rest cannot hold.</summary>
    public int ReadCount(int minItemBytes)
    {
        var count = ReadInt32();
        if (count < 0 || (long)count * Math.Max(1, minItemBytes) > Remaining)
        {
            throw new WireFormatException($"byte {_position - 4}: count {count} does not fit in the {Remaining} bytes left");
        }

        return count;
    }

    public readonly void ExpectEnd()
    {
        if (Remaining != 0)
        {
            throw new WireFormatException($"{Remaining} trailing bytes after the message");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
        {
            throw new WireFormatException($"byte {_position}: message truncated ({count} bytes wanted, {Remaining} left)");
        }

        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
