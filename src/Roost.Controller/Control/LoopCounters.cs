namespace Roost.Controller.Control;

/// <summary>Totals since the controller started, for <c>/metrics</c>.</summary>
public sealed record LoopCounters(long Steps, long PlansCreated, long MigrationsStarted, long ActionsSucceeded, long ActionsFailed);
