using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;

namespace Roost.Controller.Api;

/// <summary>
/// The probe for load balancers and supervisors: touches no store, only the role and the loop's last published view
/// and step health. 200 only for an active controller whose control steps succeed; 503 with the reason otherwise.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>With the loop stepping by itself, no successful step for this many intervals (and at least 10 s) is degraded.</summary>
    private const int StaleIntervals = 5;

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithTags("Health");
        return app;
    }

    private static JsonHttpResult<HealthResponse> GetHealth(ControllerRole role, LiveState live, ControlLoopOptions loop, TimeProvider time)
    {
        var view = live.Current;
        var (status, reason) = Assess(role, live.Health, loop, time.GetUtcNow());
        return TypedResults.Json(
            new HealthResponse(status, reason, view.At, view.Counters.Steps),
            statusCode: status == "ok" ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    internal static (string Status, string? Reason) Assess(ControllerRole role, StepHealth health, ControlLoopOptions loop, DateTimeOffset now)
    {
        if (role.Inactivity is (var state, { } why))
        {
            return (state.ToString().ToLowerInvariant(), why);
        }

        if (health.Failure is { } failure && health.FailingSince is { } since)
        {
            return ("degraded", string.Create(CultureInfo.InvariantCulture, $"control steps fail since {since:O}: {failure}"));
        }

        if (loop.Interval is { } interval && (health.LastSuccessAt ?? health.RunningSince) is { } last)
        {
            var limit = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(10).Ticks, interval.Ticks * StaleIntervals));
            if (now - last > limit)
            {
                return ("degraded", string.Create(CultureInfo.InvariantCulture, $"no control step has completed for {(now - last).TotalSeconds:0} s"));
            }
        }

        return ("ok", null);
    }
}
