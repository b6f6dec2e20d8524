using Microsoft.AspNetCore.Builder;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Security;

/// <summary>
/// Every request that changes something (any method but GET, HEAD and OPTIONS) must carry
/// <c>Authorization: Bearer TOKEN</c>; otherwise 401 with problem details and <c>WWW-Authenticate: Bearer</c>.
/// Reads are open, as the dashboard is, on a loopback address (the default); on any other address
/// (<c>readsNeedToken</c>) reads need the token too, except the ones that tell nothing about the inventory:
/// <c>/healthz</c>, the OpenAPI document and the dashboard's page and script (which then ask for the token).
/// An agent's own token (<c>--agent-token-file</c>) opens what a site's agent needs and nothing else: reading the
/// network intent (<c>GET /api/network</c>) and reporting its site (<c>PUT /api/network/sites/N</c>).
/// </summary>
public static class BearerTokenAuthentication
{
    private static readonly string[] _openReads = ["/healthz", "/openapi/v1.json", "/", "/dashboard.js"];

    public static IApplicationBuilder UseBearerToken(this IApplicationBuilder app, ControllerRole role, bool readsNeedToken, IReadOnlyList<string>? siteTokens = null)
    {
        ArgumentNullException.ThrowIfNull(role);
        var agents = (siteTokens ?? []).Select(t => Encoding.UTF8.GetBytes(t)).ToList();
        return app.Use(async (context, next) =>
        {
            var method = context.Request.Method;
            var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method);
            if (read && (!readsNeedToken || _openReads.Contains(context.Request.Path.Value, StringComparer.Ordinal)))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var header = context.Request.Headers.Authorization.ToString();
            var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
            if (role.Tokens is { } tokens && tokens.Matches(presented))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            if (presented is { Length: > 0 } && IsSiteAgentCall(context.Request) && MatchesAny(agents, presented))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            context.Response.Headers.WWWAuthenticate = "Bearer";
            var what = read ? "this controller listens beyond loopback, so reads need" : "this request changes state and needs";
            var detail = presented is null
                ? $"{what} 'Authorization: Bearer TOKEN' (the token is in the controller's data directory, file 'token')"
                : "the bearer token is wrong or was rotated";
            await TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(context).ConfigureAwait(false);
        });
    }

    /// <summary>What a site's agent calls: <c>GET /api/network</c> and <c>PUT /api/network/sites/N</c>.</summary>
    private static bool IsSiteAgentCall(HttpRequest request)
    {
        var path = request.Path.Value ?? "";
        const string Sites = "/api/network/sites/";
        return (HttpMethods.IsGet(request.Method) && path == "/api/network")
            || (HttpMethods.IsPut(request.Method) && path.StartsWith(Sites, StringComparison.Ordinal)
                && path.Length > Sites.Length && path.Length <= Sites.Length + 3 && path[Sites.Length..].All(char.IsAsciiDigit));
    }

    /// <summary>Whether <paramref name="presented"/> is one of <paramref name="tokens"/>, each compared in constant time.</summary>
    private static bool MatchesAny(List<byte[]> tokens, string presented)
    {
        var given = Encoding.UTF8.GetBytes(presented);
        var any = false;
        foreach (var token in tokens)
        {
            any |= CryptographicOperations.FixedTimeEquals(token, given);
        }

        return any;
    }
}
