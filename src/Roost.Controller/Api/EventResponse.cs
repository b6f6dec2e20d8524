using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>Something that happened: its kind, the entity it is about (<c>host/NAME</c>, <c>vm/NAME</c>, <c>plan/ID</c>, …), its severity, what.</summary>
public sealed record EventResponse(long Id, DateTimeOffset At, string Kind, string Entity, EventSeverity Severity, string Message)
{
    public static EventResponse From(StoredEvent e) => new(e.Id, e.At, e.Kind, e.Entity, e.Severity, e.Message);
}
