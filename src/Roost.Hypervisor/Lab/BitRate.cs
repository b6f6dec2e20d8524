using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Roost.Hypervisor.Lab;

/// <summary>A link's rate in bits per second, written as tc writes it: <c>500kbit</c>, <c>100mbit</c>, <c>1gbit</c> (powers of 1000).</summary>
public readonly partial record struct BitRate(long BitsPerSecond)
{
    public static BitRate FromMegabits(long megabits) => new(checked(megabits * 1_000_000));

    /// <summary>Bytes per second, rounded down.</summary>
    public long BytesPerSecond => BitsPerSecond / 8;

    public static bool TryParse(string? text, [NotNullWhen(true)] out BitRate? rate)
    {
        rate = null;
        var match = text is null ? Match.Empty : Pattern().Match(text);
        if (!match.Success
            || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var scale = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "kbit" => 1_000m,
            "mbit" => 1_000_000m,
            "gbit" => 1_000_000_000m,
            _ => 1m,
        };
        var bits = number * scale;
        if (bits < 1 || bits > long.MaxValue / 8 || bits != decimal.Truncate(bits))
        {
            return false;
        }

        rate = new BitRate((long)bits);
        return true;
    }

    public override string ToString() => BitsPerSecond switch
    {
        var b when b % 1_000_000_000 == 0 => $"{b / 1_000_000_000}gbit",
        var b when b % 1_000_000 == 0 => $"{b / 1_000_000}mbit",
        var b when b % 1_000 == 0 => $"{b / 1_000}kbit",
        var b => $"{b}bit",
    };

    [GeneratedRegex(@"^([0-9]{1,12}(?:\.[0-9]{1,6})?)(bit|kbit|mbit|gbit)\z", RegexOptions.IgnoreCase)]
    private static partial Regex Pattern();
}
