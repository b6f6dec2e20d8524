using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// <c>GET /api/events?after=ID&amp;limit=N&amp;severity=S&amp;entity=E</c>: with <c>after</c> (an event id, 0 or more) the
/// events after it, oldest first; without, the latest, newest first. <c>limit</c>: 1..1000, default 100.
/// <c>severity</c>: info, warning or error, keeping that severity and worse (default info: all). <c>entity</c>: only
/// events about that entity (1 to 200 characters, such as <c>host/sim-03</c> or <c>vm/web</c>).
/// </summary>
public sealed record EventsQuery(long? After, int Limit, EventFilter Filter)
{
    public const int MaxLimit = 1000;
    public const int MaxEntityLength = 200;

    public static EventsQuery Parse(string? after, string? limit, string? severity, string? entity, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        long? from = after is null ? null : errors.WholeNumber("after", after, 0, long.MaxValue, 0);
        var atLeast = errors.OptionalEnum<EventSeverity>("severity", severity) ?? EventSeverity.Info;
        var about = entity is null ? null : errors.Name("entity", entity, MaxEntityLength, "");
        return new EventsQuery(from, (int)errors.WholeNumber("limit", limit, 1, MaxLimit, 100), new EventFilter(atLeast, about));
    }
}
