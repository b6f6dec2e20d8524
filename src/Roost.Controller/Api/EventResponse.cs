using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>Something that happened.</summary>
public sealed record EventResponse(long Id, DateTimeOffset At, string Kind, string Message)
{
    public static EventResponse From(StoredEvent e) => new(e.Id, e.At, e.Kind, e.Message);
}
