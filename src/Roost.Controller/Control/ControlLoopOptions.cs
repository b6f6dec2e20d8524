namespace Roost.Controller.Control;

/// <summary>
/// How often the loop steps (wall time; null: never by itself, a test calls <see cref="ControlLoop.StepAsync"/>),
/// how often a host sample is kept in the store, and for how long.
/// </summary>
public sealed record ControlLoopOptions(TimeSpan? Interval, TimeSpan SampleEvery, TimeSpan SampleRetention)
{
    public static ControlLoopOptions Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromDays(1));
}
