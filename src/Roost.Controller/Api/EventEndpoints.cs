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

    /// <summary>
    /// With <c>after</c>: events after that id, oldest first (for following). Without: the latest, newest first.
    /// <c>severity</c> keeps that severity and worse (info, warning, error); <c>entity</c> one entity (<c>host/NAME</c>,
    /// <c>vm/NAME</c>, <c>plan/ID</c>, <c>vpc/NAME</c>, <c>site/N</c>, <c>controller</c>).
    /// </summary>
    private static async Task<Results<Ok<EventResponse[]>, ProblemHttpResult>> ListEvents(
        string? after, string? limit, string? severity, string? entity, HttpRequest request, IControllerStore store, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(request, errors, "after", "limit", "severity", "entity");
        var query = EventsQuery.Parse(after, limit, severity, entity, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var events = query.After is { } a
            ? await store.GetEventsAsync(a, query.Limit, query.Filter, cancellationToken)
            : await store.GetRecentEventsAsync(query.Limit, query.Filter, cancellationToken);
        return TypedResults.Ok(events.Select(EventResponse.From).ToArray());
    }
}
