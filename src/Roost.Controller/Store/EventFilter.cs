namespace Roost.Controller.Store;

/// <summary>Which events a listing keeps: those of <see cref="AtLeast"/> severity or worse, about <see cref="Entity"/> only (null: any).</summary>
public sealed record EventFilter(EventSeverity AtLeast = EventSeverity.Info, string? Entity = null)
{
    public static EventFilter All { get; } = new();
}
