using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Roost.Core.Network;

namespace Roost.Controller.Recovery;

/// <summary>
/// A cloud site's <c>roost dr serve --status-listen</c> as <c>roost serve --dr-site NAME=ADDRESS:PORT
/// --dr-token-file NAME=FILE</c> gives it: a short name the operator uses (in the API's paths, events and the
/// dashboard), the status listener's IP end point and the bearer token that listener accepts. The token is sent to
/// this end point only.
/// </summary>
public sealed record DrSiteEndpoint(string Name, IPEndPoint Address, string Token)
{
    /// <summary>The longest site name.</summary>
    public const int MaxNameLength = 32;

    /// <summary>What a site name is, for messages.</summary>
    public const string NameRule = "1 to 32 of a-z, 0-9 and '-', starting with a letter";

    /// <summary>The status listener's base URL (plain HTTP, as <c>roost dr serve</c> serves it).</summary>
    public Uri BaseAddress => new(string.Create(CultureInfo.InvariantCulture, $"http://{Address}/"));

    /// <summary>Whether <paramref name="name"/> is a site name: <see cref="NameRule"/>.</summary>
    public static bool IsName([NotNullWhen(true)] string? name) =>
        name is { Length: > 0 and <= MaxNameLength } && char.IsAsciiLetterLower(name[0]) && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>
    /// A site from its name, its address (<c>ADDRESS:PORT</c>, an IP literal and a port from 1) and its token; on
    /// failure <paramref name="error"/> is one line naming the part.
    /// </summary>
    public static bool TryCreate(string name, string address, string token, [NotNullWhen(true)] out DrSiteEndpoint? site, out string error)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(token);
        site = null;
        error = "";
        if (!IsName(name))
        {
            error = $"--dr-site: '{Shown(name)}' is not a site name ({NameRule})";
            return false;
        }

        if (!EndPointText.TryParse(address, out var endpoint))
        {
            error = $"--dr-site {name}: '{Shown(address)}' is not ADDRESS:PORT (an IP address and a port from 1, e.g. 127.0.0.1:7412)";
            return false;
        }

        if (token.Length == 0 || token.Any(c => char.IsControl(c) || c == ' '))
        {
            error = $"--dr-token-file {name}: the token is empty or holds spaces or control characters";
            return false;
        }

        site = new DrSiteEndpoint(name, endpoint, token);
        return true;
    }

    /// <summary>The sites of one controller: names unique; one line naming the first problem, or null.</summary>
    public static string? Validate(IReadOnlyList<DrSiteEndpoint> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.FirstOrDefault(s => !IsName(s.Name)) is { } badName)
        {
            return $"--dr-site: '{Shown(badName.Name)}' is not a site name ({NameRule})";
        }

        return sites.GroupBy(s => s.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice
            ? $"--dr-site: site '{twice.Key}' is given twice"
            : null;
    }

    /// <summary>Never the token: a site record may be logged.</summary>
    public override string ToString() => $"{Name}={Address}";

    private static string Shown(string text) => Roost.Simulation.Input.PrintableText.Escape(text.Length > 64 ? text[..64] + "…" : text);
}
