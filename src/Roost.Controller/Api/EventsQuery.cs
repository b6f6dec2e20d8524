namespace Roost.Controller.Api;

/// <summary>
/// <c>GET /api/events?after=ID&amp;limit=N</c>: with <c>after</c> (an event id, 0 or more) the events after it, oldest
/// first; without, the latest, newest first. <c>limit</c>: 1..1000, default 100.
/// </summary>
public sealed record EventsQuery(long? After, int Limit)
{
    public const int MaxLimit = 1000;

    public static EventsQuery Parse(string? after, string? limit, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        long? from = after is null ? null : errors.WholeNumber("after", after, 0, long.MaxValue, 0);
        return new EventsQuery(from, (int)errors.WholeNumber("limit", limit, 1, MaxLimit, 100));
    }
}
