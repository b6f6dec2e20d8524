using System.Numerics;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// A re-sent page as the XOR of its new and previous version, zero runs left out: a list of (zero run, literal
/// length, literal bytes), both lengths as LEB128 varints, covering the page from the start; the zeros after the last
/// literal are implied. Pages that change in a few words (counters, list heads) shrink to a few bytes (CloudNet §3.2,
/// as in Xen's and QEMU's XBZRLE).
/// </summary>
public static class XorDelta
{
    /// <summary>Zero runs shorter than this stay inside a literal: a shorter run costs more as a new pair of lengths.</summary>
    private const int MinZeroRun = 4;

    /// <summary>
    /// Encodes <paramref name="current"/> against <paramref name="previous"/> (equal lengths) into <paramref name="destination"/>;
    /// returns the bytes written, or -1 when the encoding would not fit in <paramref name="destination"/>.
    /// </summary>
    public static int Encode(ReadOnlySpan<byte> current, ReadOnlySpan<byte> previous, Span<byte> destination, Span<byte> scratch)
    {
        if (current.Length != previous.Length || scratch.Length < current.Length)
        {
            throw new ArgumentException("The two versions must have equal lengths and the scratch room for one.");
        }

        var xor = scratch[..current.Length];
        Xor(current, previous, xor);
        var written = 0;
        var position = 0;
        while (true)
        {
            var nonZero = xor[position..].IndexOfAnyExcept((byte)0);
            if (nonZero < 0)
            {
                return written;
            }

            var literalStart = position + nonZero;
            var literalEnd = LiteralEnd(xor, literalStart);
            var literal = xor[literalStart..literalEnd];
            if (!Leb128.TryWrite(destination, ref written, (ulong)nonZero)
                || !Leb128.TryWrite(destination, ref written, (ulong)literal.Length)
                || destination.Length - written < literal.Length)
            {
                return -1;
            }

            literal.CopyTo(destination[written..]);
            written += literal.Length;
            position = literalEnd;
        }
    }

    /// <summary>Rebuilds the new version from <paramref name="previous"/> and a delta; false when the delta is malformed.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> delta, ReadOnlySpan<byte> previous, Span<byte> destination)
    {
        if (destination.Length != previous.Length)
        {
            return false;
        }

        previous.CopyTo(destination);
        var read = 0;
        var position = 0L;
        while (read < delta.Length)
        {
            if (!Leb128.TryRead(delta, ref read, out var zeros) || !Leb128.TryRead(delta, ref read, out var length)
                || length == 0 || zeros > (ulong)destination.Length || length > (ulong)(delta.Length - read))
            {
                return false;
            }

            position += (long)zeros;
            if (position + (long)length > destination.Length)
            {
                return false;
            }

            Xor(destination.Slice((int)position, (int)length), delta.Slice(read, (int)length), destination.Slice((int)position, (int)length));
            read += (int)length;
            position += (long)length;
        }

        return true;
    }

    /// <summary><paramref name="destination"/> = <paramref name="a"/> XOR <paramref name="b"/>, vectorised; the spans may alias.</summary>
    public static void Xor(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, Span<byte> destination)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i + Vector<byte>.Count <= a.Length; i += Vector<byte>.Count)
            {
                (new Vector<byte>(a[i..]) ^ new Vector<byte>(b[i..])).CopyTo(destination[i..]);
            }
        }

        for (; i < a.Length; i++)
        {
            destination[i] = (byte)(a[i] ^ b[i]);
        }
    }

    /// <summary>Where the literal starting at <paramref name="start"/> ends: at the next run of at least <see cref="MinZeroRun"/> zeros, or the end.</summary>
    private static int LiteralEnd(ReadOnlySpan<byte> xor, int start)
    {
        var position = start;
        while (true)
        {
            var zero = xor[position..].IndexOf((byte)0);
            if (zero < 0)
            {
                return xor.Length;
            }

            var runStart = position + zero;
            var runLength = xor[runStart..].IndexOfAnyExcept((byte)0);
            if (runLength < 0 || runLength >= MinZeroRun)
            {
                return runStart;
            }

            position = runStart + runLength;
        }
    }
}
