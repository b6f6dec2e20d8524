using System.Buffers.Binary;

namespace Roost.Bft.Services;

/// <summary>The key-value store's operations and results, encoded as bytes.</summary>
public static class KeyValueOperation
{
    public const byte Get = 1;
    public const byte Put = 2;
    public const byte Append = 3;

    public static byte[] EncodeGet(ReadOnlySpan<byte> key) => Encode(Get, key, []);

    public static byte[] EncodePut(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Encode(Put, key, value);

    public static byte[] EncodeAppend(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Encode(Append, key, value);

    /// <summary>Splits an operation into its kind, key and value; false if the bytes are not one.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> operation, out byte kind, out ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        kind = 0;
        key = default;
        value = default;
        if (operation.Length < 5)
        {
            return false;
        }

        kind = operation[0];
        var keyLength = BinaryPrimitives.ReadInt32LittleEndian(operation[1..]);
        if (kind is < Get or > Append || keyLength < 0 || keyLength > operation.Length - 5)
        {
            return false;
        }

        key = operation.Slice(5, keyLength);
        value = operation[(5 + keyLength)..];
        return true;
    }

    /// <summary>A result: 1 and the value if the key had one, 0 if not, 0xFF for a malformed operation.</summary>
    public static byte[] Result(bool found, ReadOnlySpan<byte> value)
    {
        var result = new byte[1 + value.Length];
        result[0] = found ? (byte)1 : (byte)0;
        value.CopyTo(result.AsSpan(1));
        return result;
    }

    private static byte[] Encode(byte kind, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        var bytes = new byte[5 + key.Length + value.Length];
        bytes[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), key.Length);
        key.CopyTo(bytes.AsSpan(5));
        value.CopyTo(bytes.AsSpan(5 + key.Length));
        return bytes;
    }
}
