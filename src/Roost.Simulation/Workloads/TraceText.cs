using System.Globalization;
using System.Text;
using Roost.Simulation.Input;

namespace Roost.Simulation.Workloads;

/// <summary>Span-level parsing of ASCII trace text: lines, fields and numbers, without per-line allocation.</summary>
internal static class TraceText
{
    /// <summary>Number of lines in <paramref name="text"/>, not counting an empty tail after the last newline.</summary>
    public static int CountLines(ReadOnlySpan<byte> text)
    {
        var count = text.Count((byte)'\n');
        return text.Length > 0 && text[^1] != (byte)'\n' ? count + 1 : count;
    }

    /// <summary>
    /// Splits off the next line (without its '\n', '\r' or surrounding blanks) and advances <paramref name="rest"/>.
    /// </summary>
    public static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line;
        if (end < 0)
        {
            line = rest;
            rest = [];
        }
        else
        {
            line = rest[..end];
            rest = rest[(end + 1)..];
        }

        return Trim(line);
    }

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> text) => text.Trim(" \t\r"u8);

    /// <summary>
    /// Parses a decimal number. Plain non-negative integers (every PlanetLab line) take a fast path; anything else
    /// goes to the invariant-culture floating-point parser. NaN and infinities are rejected.
    /// </summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> text, out double value)
    {
        if (text.Length is > 0 and <= 9)
        {
            var integer = 0;
            var i = 0;
            for (; i < text.Length; i++)
            {
                var digit = text[i] - (byte)'0';
                if (digit is < 0 or > 9)
                {
                    break;
                }

                integer = (integer * 10) + digit;
            }

            if (i == text.Length)
            {
                value = integer;
                return true;
            }
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }

    /// <summary>The text as it appears in an error message: decoded, control characters escaped, cut short if long.</summary>
    public static string Quote(ReadOnlySpan<byte> text)
    {
        const int Longest = 40;
        var shown = PrintableText.Escape(Encoding.UTF8.GetString(text.Length > Longest ? text[..Longest] : text));
        return text.Length > Longest ? $"'{shown}...'" : $"'{shown}'";
    }
}
