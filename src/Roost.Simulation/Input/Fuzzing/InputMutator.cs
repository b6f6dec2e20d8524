using System.Text;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// Seeded mutations of a valid input: truncation, bit flips, hostile numbers (huge, tiny, negative, NaN, infinite,
/// overflowing), control characters, an enormous line, missing and extra fields and lines, binary junk. Each call
/// applies one to three of them.
/// </summary>
public static class InputMutator
{
    /// <summary>Most bytes one repetition adds.</summary>
    private const int MostRepeatedBytes = 2 << 20;

    /// <summary>Numbers and near-numbers that have broken parsers: overflow, underflow, signs, specials, locales.</summary>
    public static readonly string[] HostileNumbers =
    [
        "1e308", "1e309", "-1e309", "1.7976931348623157e308", "4.9e-324", "1e-320", "0", "-0", "-1", "-1e-9",
        "NaN", "-NaN", "Infinity", "-Infinity", "inf", "∞", "2147483647", "2147483648", "-2147483649",
        "9223372036854775807", "9223372036854775808", "18446744073709551616", "99999999999999999999999999999999",
        "123456789012345678901234567890.5", "0x10", "1,5", "1_000", "+5", " 5 ", "5e", "e5", ".", "..5", "1e", "--1",
        "0.000000000000000000001", "31536000000", "3.15576e9", "1e15", "4294967296", "65536", "",
    ];

    /// <summary>Strings that move the cursor, retitle a terminal, ring, erase or reorder text, or end a line.</summary>
    public static readonly string[] ControlStrings =
    [
        "\u001b[2J\u001b[H", "\u001b]0;pwned\u0007", "\u001b[31mred\u001b[0m", "\r", "\n", "\r\n", "\u0007", "\0",
        "\b\b\b\b", "\u009b31m", "\u202eevil", "\u2066x\u2069", "\u2028", "\t", "\u007f", "\uFEFF",
    ];

    public static byte[] Mutate(Random random, byte[] valid)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(valid);
        var bytes = valid;
        var count = 1 + random.Next(3);
        for (var i = 0; i < count; i++)
        {
            bytes = MutateOnce(random, bytes);
        }

        return bytes;
    }

    public static string Pick(Random random, string[] choices)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(choices);
        return choices[random.Next(choices.Length)];
    }

    private static byte[] MutateOnce(Random random, byte[] bytes) => random.Next(14) switch
    {
        0 => bytes[..random.Next(bytes.Length + 1)],
        1 => FlipBits(random, bytes),
        2 or 3 or 4 => ReplaceNumber(random, bytes, Pick(random, HostileNumbers)),
        5 => Insert(random, bytes, Encoding.UTF8.GetBytes(Pick(random, ControlStrings))),
        6 => Insert(random, bytes, EnormousLine(random)),
        7 => DeleteLine(random, bytes),
        8 => RepeatLine(random, bytes),
        9 => RemoveSeparator(random, bytes),
        10 => Insert(random, bytes, Junk(random, 1 + random.Next(512))),
        11 => random.Next(4) == 0 ? [] : Junk(random, random.Next(4096)),
        12 => SwapLines(random, bytes),
        _ => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace('\n', random.Next(2) == 0 ? '\r' : ';')),
    };

    private static byte[] FlipBits(Random random, byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        var flipped = (byte[])bytes.Clone();
        var flips = 1 + random.Next(8);
        for (var i = 0; i < flips; i++)
        {
            flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
        }

        return flipped;
    }

    /// <summary>Replaces one number of the text (a run of digits, signs, points and exponents) with <paramref name="number"/>.</summary>
    private static byte[] ReplaceNumber(Random random, byte[] bytes, string number)
    {
        var numbers = new List<(int Start, int End)>();
        for (var i = 0; i < bytes.Length;)
        {
            if (!char.IsAsciiDigit((char)bytes[i]))
            {
                i++;
                continue;
            }

            var start = i;
            while (start > 0 && bytes[start - 1] is (byte)'-' or (byte)'.')
            {
                start--;
            }

            while (i < bytes.Length && (char.IsAsciiDigit((char)bytes[i]) || bytes[i] is (byte)'.' or (byte)'e' or (byte)'E' or (byte)'-' or (byte)'+'))
            {
                i++;
            }

            numbers.Add((start, i));
        }

        if (numbers.Count == 0)
        {
            return Insert(random, bytes, Encoding.UTF8.GetBytes(number));
        }

        var (from, to) = numbers[random.Next(numbers.Count)];
        return [.. bytes.AsSpan(0, from), .. Encoding.UTF8.GetBytes(number), .. bytes.AsSpan(to)];
    }

    private static byte[] Insert(Random random, byte[] bytes, byte[] inserted)
    {
        var at = random.Next(bytes.Length + 1);
        return [.. bytes.AsSpan(0, at), .. inserted, .. bytes.AsSpan(at)];
    }

    /// <summary>Up to 1 MiB without a newline: digits, one letter, or junk.</summary>
    private static byte[] EnormousLine(Random random)
    {
        var length = 1 << random.Next(10, 21);
        return random.Next(3) switch
        {
            0 => Enumerable.Repeat((byte)'9', length).ToArray(),
            1 => Enumerable.Repeat((byte)'x', length).ToArray(),
            _ => Junk(random, length),
        };
    }

    private static byte[] Junk(Random random, int length)
    {
        var junk = new byte[length];
        random.NextBytes(junk);
        return junk;
    }

    private static List<(int Start, int End)> Lines(byte[] bytes)
    {
        var lines = new List<(int, int)>();
        var start = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                lines.Add((start, i + 1));
                start = i + 1;
            }
        }

        if (start < bytes.Length)
        {
            lines.Add((start, bytes.Length));
        }

        return lines;
    }

    private static byte[] DeleteLine(Random random, byte[] bytes)
    {
        var lines = Lines(bytes);
        if (lines.Count == 0)
        {
            return bytes;
        }

        var (from, to) = lines[random.Next(lines.Count)];
        return [.. bytes.AsSpan(0, from), .. bytes.AsSpan(to)];
    }

    /// <summary>
    /// A line repeated up to 50 times (duplicate samples, ids, rows), adding at most <see cref="MostRepeatedBytes"/>, so
    /// that mutations of mutations (an enormous line, repeated) stay small enough for the harness itself.
    /// </summary>
    private static byte[] RepeatLine(Random random, byte[] bytes)
    {
        var lines = Lines(bytes);
        if (lines.Count == 0)
        {
            return bytes;
        }

        var (from, to) = lines[random.Next(lines.Count)];
        var line = bytes.AsSpan(from, to - from).ToArray();
        var times = Math.Min(1 + random.Next(50), Math.Max(1, MostRepeatedBytes / Math.Max(1, line.Length)));
        var copies = Enumerable.Range(0, times).SelectMany(_ => line).ToArray();
        return [.. bytes.AsSpan(0, to), .. copies, .. bytes.AsSpan(to)];
    }

    private static byte[] SwapLines(Random random, byte[] bytes)
    {
        var lines = Lines(bytes);
        if (lines.Count < 2)
        {
            return bytes;
        }

        var a = random.Next(lines.Count - 1);
        var b = a + 1 + random.Next(lines.Count - a - 1);
        var parts = lines.Select(l => bytes.AsSpan(l.Start, l.End - l.Start).ToArray()).ToList();
        (parts[a], parts[b]) = (parts[b], parts[a]);
        return [.. bytes.AsSpan(0, lines[0].Start), .. parts.SelectMany(p => p)];
    }

    /// <summary>Drops one field separator (',' ';' ':'), merging two fields, or doubles one, adding an empty field.</summary>
    private static byte[] RemoveSeparator(Random random, byte[] bytes)
    {
        var separators = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] is (byte)',' or (byte)';' or (byte)':').ToList();
        if (separators.Count == 0)
        {
            return bytes;
        }

        var at = separators[random.Next(separators.Count)];
        return random.Next(2) == 0
            ? [.. bytes.AsSpan(0, at), .. bytes.AsSpan(at + 1)]
            : [.. bytes.AsSpan(0, at + 1), .. bytes.AsSpan(at)];
    }
}
