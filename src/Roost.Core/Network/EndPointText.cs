using System.Globalization;
using System.Net;

namespace Roost.Core.Network;

/// <summary>
/// <c>ADDRESS:PORT</c> as options and request bodies give it: an IP literal (no names) with its port written out
/// (<see cref="IPEndPoint.TryParse(string, out IPEndPoint?)"/> alone takes a bare address as port 0).
/// </summary>
public static class EndPointText
{
    /// <summary>True for an IP literal and a written-out port from 1 (from 0 with <paramref name="allowPortZero"/>: "pick a free one").</summary>
    public static bool TryParse(string? text, out IPEndPoint endpoint, bool allowPortZero = false)
    {
        if (text is not null
            && IPEndPoint.TryParse(text, out var parsed)
            && (parsed.Port > 0 || allowPortZero)
            && text.EndsWith(string.Create(CultureInfo.InvariantCulture, $":{parsed.Port}"), StringComparison.Ordinal))
        {
            endpoint = parsed;
            return true;
        }

        endpoint = null!;
        return false;
    }
}
