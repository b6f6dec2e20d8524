namespace Roost.Core.Migration.Stream;

/// <summary>Unsigned LEB128 varints (7 bits a byte, low first, high bit = more): the lengths in relay items and deltas.</summary>
internal static class Leb128
{
    internal static bool TryWrite(Span<byte> destination, ref int written, ulong value)
    {
        do
        {
            if (written >= destination.Length)
            {
                return false;
            }

            var low = (byte)(value & 0x7F);
            value >>= 7;
            destination[written++] = value == 0 ? low : (byte)(low | 0x80);
        }
        while (value != 0);
        return true;
    }

    internal static bool TryRead(ReadOnlySpan<byte> source, ref int read, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (read >= source.Length)
            {
                return false;
            }

            var b = source[read++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}
