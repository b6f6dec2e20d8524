using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Api;

/// <summary>
/// While this controller is not the store's writer (standby, taking over, stopped), the API and metrics answer 503
/// with a problem titled by the role and <c>Retry-After</c>, so nothing is read from a store another controller is
/// changing or written to it; <c>/healthz</c>, the dashboard page and the OpenAPI document still answer.
/// </summary>
public static class StandbyGate
{
    public static IApplicationBuilder UseStandbyGate(this IApplicationBuilder app, ControllerRole role)
    {
        ArgumentNullException.ThrowIfNull(role);
        return app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var gated = path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/metrics", StringComparison.Ordinal);
            if (!gated || role.Inactivity is not (var state, { } why))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            context.Response.Headers.RetryAfter = "1";
            await TypedResults.Problem(why, statusCode: StatusCodes.Status503ServiceUnavailable, title: state.ToString())
                .ExecuteAsync(context).ConfigureAwait(false);
        });
    }
}
