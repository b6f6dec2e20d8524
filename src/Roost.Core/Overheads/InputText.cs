using System.Globalization;

namespace Roost.Core.Overheads;

/// <summary>
/// Text read from a file, made safe for a one-line message: control characters and the invisible characters that
/// reorder or break lines (format characters such as bidirectional overrides, line and paragraph separators) cannot
/// reach a terminal through an error or a printed name.
/// </summary>
internal static class InputText
{
    private const int LongestShown = 40;

    public static bool IsUnsafe(char c) =>
        char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c)
            is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    public static bool IsPrintable(string text) => !text.Any(IsUnsafe);

    /// <summary>The text in quotes, unsafe characters shown as '?', cut to 40 characters.</summary>
    public static string Quote(string text)
    {
        var printable = new string(text.Select(c => IsUnsafe(c) ? '?' : c).ToArray());
        return printable.Length > LongestShown ? $"'{printable[..LongestShown]}…'" : $"'{printable}'";
    }
}
