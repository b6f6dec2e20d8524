using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;

namespace Roost.Controller.Api;

/// <summary>A liveness probe for load balancers and tests: touches no store, only the loop's last published view.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithTags("Health");
        return app;
    }

    private static Ok<HealthResponse> GetHealth(LiveState live)
    {
        var view = live.Current;
        return TypedResults.Ok(new HealthResponse("ok", view.At, view.Counters.Steps));
    }
}
