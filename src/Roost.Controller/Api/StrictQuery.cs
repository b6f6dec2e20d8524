using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Api;

/// <summary>
/// Query parameters an endpoint does not know are a 400 naming them: a misspelt filter (<c>?hosts=</c>) must not
/// silently answer with everything.
/// </summary>
internal static class StrictQuery
{
    public static void Check(HttpRequest request, FieldErrors errors, params string[] known)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(errors);
        foreach (var key in request.Query.Keys.Order(StringComparer.Ordinal))
        {
            if (!known.Contains(key, StringComparer.Ordinal))
            {
                errors.Add(FieldErrors.Printable(key), known.Length == 0
                    ? "unknown query parameter (this endpoint takes none)"
                    : $"unknown query parameter (expected {string.Join(", ", known)})");
            }
        }
    }
}
