using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Security;

/// <summary>
/// Every request that changes something (any method but GET, HEAD and OPTIONS) must carry
/// <c>Authorization: Bearer TOKEN</c>; otherwise 401 with problem details and <c>WWW-Authenticate: Bearer</c>.
/// Reads are open, as the dashboard is, on a loopback address (the default); on any other address
/// (<c>readsNeedToken</c>) reads need the token too, except the ones that tell nothing about the inventory:
/// <c>/healthz</c>, the OpenAPI document and the dashboard's page and script (which then ask for the token).
/// </summary>
public static class BearerTokenAuthentication
{
    private static readonly string[] _openReads = ["/healthz", "/openapi/v1.json", "/", "/dashboard.js"];

    public static IApplicationBuilder UseBearerToken(this IApplicationBuilder app, ControllerRole role, bool readsNeedToken)
    {
        ArgumentNullException.ThrowIfNull(role);
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

            context.Response.Headers.WWWAuthenticate = "Bearer";
            var what = read ? "this controller listens beyond loopback, so reads need" : "this request changes state and needs";
            var detail = presented is null
                ? $"{what} 'Authorization: Bearer TOKEN' (the token is in the controller's data directory, file 'token')"
                : "the bearer token is wrong or was rotated";
            await TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(context).ConfigureAwait(false);
        });
    }
}
