using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Roost.Bft;

/// <summary>A SHA-256 digest, held as four 64-bit words so it compares and hashes without allocating.</summary>
public readonly record struct Digest(ulong A, ulong B, ulong C, ulong D)
{
    public const int Size = 32;

    /// <summary>The all-zero digest: "no digest" (an unknown Merkle node, a missing vote).</summary>
    public static Digest None => default;

    public bool IsNone => A == 0 && B == 0 && C == 0 && D == 0;

    public static Digest Of(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[Size];
        SHA256.HashData(data, hash);
        return Read(hash);
    }

    public static Digest Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, A);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], B);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], C);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], D);
    }

    /// <summary>Total order for sorting outputs deterministically.</summary>
    public int CompareTo(Digest other)
    {
        var c = A.CompareTo(other.A);
        if (c != 0)
        {
            return c;
        }

        c = B.CompareTo(other.B);
        return c != 0 ? c : C.CompareTo(other.C) is var c2 and not 0 ? c2 : D.CompareTo(other.D);
    }

    public override string ToString() => $"{A:x16}"[..12];
}
