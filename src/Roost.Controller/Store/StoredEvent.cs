namespace Roost.Controller.Store;

/// <summary>
/// Something that happened, for the operator: a hotspot, a decision, an action's outcome, a setting changed; about
/// <see cref="Entity"/> (<c>host/NAME</c>, <c>vm/NAME</c>, <c>plan/ID</c>, …; empty for events stored before entities
/// were recorded), with its <see cref="Severity"/>.
/// </summary>
public sealed record StoredEvent(long Id, DateTimeOffset At, string Kind, string Message, string Entity = "", EventSeverity Severity = EventSeverity.Info);
