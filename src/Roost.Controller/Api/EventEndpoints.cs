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
        app.MapGet("/api/events", ListEvents).WithTags("Events").ProducesProblems(StatusCodes.Status400BadRequest);
        return app;
    }

    /// <summary>With <c>after</c>: events after that id, oldest first (for following). Without: the latest, newest first.</summary>
    private static async Task<Results<Ok<EventResponse[]>, ProblemHttpResult>> ListEvents(string? after, string? limit, HttpRequest request, IControllerStore store, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(request, errors, "after", "limit");
        var query = EventsQuery.Parse(after, limit, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var events = query.After is { } a
            ? await store.GetEventsAsync(a, query.Limit, cancellationToken)
            : await store.GetRecentEventsAsync(query.Limit, cancellationToken);
        return TypedResults.Ok(events.Select(EventResponse.From).ToArray());
    }
}
