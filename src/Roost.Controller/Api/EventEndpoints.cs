using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

public static class EventEndpoints
{
    public static IEndpointRouteBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", ListEvents).WithTags("Events");
        return app;
    }

    /// <summary>With <c>after</c>: events after that id, oldest first (for following). Without: the latest, newest first.</summary>
    private static async Task<Ok<EventResponse[]>> ListEvents(long? after, int? limit, IControllerStore store, CancellationToken cancellationToken)
    {
        var n = Math.Clamp(limit ?? 100, 1, 1000);
        var events = after is { } a
            ? await store.GetEventsAsync(a, n, cancellationToken)
            : await store.GetRecentEventsAsync(n, cancellationToken);
        return TypedResults.Ok(events.Select(EventResponse.From).ToArray());
    }
}
