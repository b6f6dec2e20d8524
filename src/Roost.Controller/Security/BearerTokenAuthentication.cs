using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Security;

/// <summary>
/// Every request that changes something (any method but GET, HEAD and OPTIONS) must carry
/// <c>Authorization: Bearer TOKEN</c>; otherwise 401 with problem details and <c>WWW-Authenticate: Bearer</c>.
/// Reads are open, as the dashboard is, on the loopback address the controller binds by default.
/// </summary>
public static class BearerTokenAuthentication
{
    public static IApplicationBuilder UseBearerTokenForMutations(this IApplicationBuilder app, ControllerRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return app.Use(async (context, next) =>
        {
            var method = context.Request.Method;
            if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
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
            var detail = presented is null
                ? "this request changes state and needs 'Authorization: Bearer TOKEN' (the token is in the controller's data directory, file 'token')"
                : "the bearer token is wrong or was rotated";
            await TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized").ExecuteAsync(context).ConfigureAwait(false);
        });
    }
}
