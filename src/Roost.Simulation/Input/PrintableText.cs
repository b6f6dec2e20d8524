using System.Globalization;
using System.Text;

namespace Roost.Simulation.Input;

/// <summary>
/// Text from input (a file name, a field, a line of a file) made safe to print on a terminal: control characters
/// (C0, DEL, C1: escape sequences, bells, carriage returns, newlines) and the invisible characters that reorder or
/// break lines (bidirectional overrides and isolates, line and paragraph separators) are shown as escapes
/// (<c>\x1B</c>, <c>\n</c>, <c>\u202E</c>), so a message stays one line and cannot move the cursor, retitle the
/// window or hide its own text. Printable text, and text already escaped, comes back unchanged.
/// </summary>
public static class PrintableText
{
    private static readonly System.Buffers.SearchValues<char> _unsafe = System.Buffers.SearchValues.Create(UnsafeCharacters());

    /// <summary>The text with every unsafe character replaced by its escape.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var first = text.AsSpan().IndexOfAny(_unsafe);
        if (first < 0)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        foreach (var c in text.AsSpan(first))
        {
            if (!IsUnsafe(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                < '\u0100' => string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
            });
        }

        return escaped.ToString();
    }

    /// <summary>
    /// Input as a message quotes it: escaped, and cut after <paramref name="longest"/> characters with "..." so that
    /// a huge value cannot make a huge line.
    /// </summary>
    public static string Shorten(string text, int longest = 60)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length > longest ? Escape(text[..longest]) + "..." : Escape(text);
    }

    /// <summary>True if <paramref name="text"/> holds a character <see cref="Escape"/> would replace.</summary>
    public static bool HasUnsafe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.AsSpan().IndexOfAny(_unsafe) >= 0;
    }

    /// <summary>The first unsafe character of <paramref name="text"/>, escaped (<c>\x1B</c>), or null if there is none.</summary>
    public static string? FirstUnsafe(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var at = text.AsSpan().IndexOfAny(_unsafe);
        return at < 0 ? null : Escape(text[at].ToString());
    }

    private static bool IsUnsafe(char c) => _unsafe.Contains(c);

    private static string UnsafeCharacters()
    {
        var set = new StringBuilder();
        for (var c = '\0'; c < '\u00A0'; c++)
        {
            if (char.IsControl(c))
            {
                set.Append(c);
            }
        }

        // Left-to-right and right-to-left marks, embeddings and overrides, isolates, line and paragraph separators,
        // the byte-order mark and the interlinear annotation controls.
        set.Append("\u061C\u200B\u200E\u200F\u2028\u2029\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069\uFEFF\uFFF9\uFFFA\uFFFB");
        return set.ToString();
    }
}
