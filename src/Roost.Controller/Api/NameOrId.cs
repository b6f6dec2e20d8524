using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Roost.Controller.Api;

/// <summary>
/// How a route or a query names a host or a VM: by the name the operator gave or saw (<c>web</c>, <c>sim-03</c>), or by
/// its id (<c>7</c>, or <c>vm-7</c> / <c>host-7</c> as ids are printed). An exact name wins over the id form; ids are
/// stable (never given to another VM or host). Two of them answering to the name is a 409 listing their ids, so an
/// operator is never acted on by a guess; none is a 404.
/// </summary>
internal static class NameOrId
{
    public static bool TryResolve<T>(
        string reference,
        string kind,
        string idPrefix,
        IEnumerable<T> items,
        Func<T, int> id,
        Func<T, string> name,
        [NotNullWhen(true)] out T? found,
        [NotNullWhen(false)] out ProblemHttpResult? problem)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(items);
        var all = items as IReadOnlyList<T> ?? [.. items];
        var named = all.Where(x => string.Equals(name(x), reference, StringComparison.Ordinal)).ToList();
        if (named.Count > 1)
        {
            var ids = string.Join(", ", named.Select(x => idPrefix + id(x).ToString(CultureInfo.InvariantCulture)));
            (found, problem) = (null, Problems.Conflict($"'{FieldErrors.Printable(reference)}' names {named.Count} {kind}s ({ids}): give the id"));
            return false;
        }

        if (named.Count == 1)
        {
            (found, problem) = (named[0], null);
            return true;
        }

        if (TryParseId(reference, idPrefix, out var wanted))
        {
            found = all.FirstOrDefault(x => id(x) == wanted);
            problem = found is null ? Problems.NotFound(string.Create(CultureInfo.InvariantCulture, $"{idPrefix}{wanted} does not exist")) : null;
            return found is not null;
        }

        (found, problem) = (null, Problems.NotFound($"no {kind} is named '{FieldErrors.Printable(reference)}'"));
        return false;
    }

    /// <summary>An id as digits (<c>7</c>) or as printed (<c>vm-7</c>, <c>host-7</c>).</summary>
    public static bool TryParseId(string reference, string idPrefix, out int id)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var digits = reference.StartsWith(idPrefix, StringComparison.Ordinal) ? reference[idPrefix.Length..] : reference;
        id = 0;
        return digits.Length is > 0 and <= 10 && digits.All(char.IsAsciiDigit) && int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}
