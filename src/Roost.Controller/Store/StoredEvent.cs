namespace Roost.Controller.Store;

/// <summary>Something that happened, for the operator: a hotspot, a decision, an action's outcome, a setting changed.</summary>
public sealed record StoredEvent(long Id, DateTimeOffset At, string Kind, string Message);
