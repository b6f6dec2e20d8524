namespace Roost.Controller.Control;

/// <summary>
/// How often the loop steps (wall time; null: never by itself, a test calls <see cref="ControlLoop.StepAsync"/>),
/// how often a host sample is kept in the store, and for how long; and how long a pending plan waits for an operator
/// before it is superseded.
/// </summary>
public sealed record ControlLoopOptions(TimeSpan? Interval, TimeSpan SampleEvery, TimeSpan SampleRetention)
{
    public TimeSpan PendingPlanLifetime { get; init; } = ControlPolicy.PendingLifetime;

    public static ControlLoopOptions Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), TimeSpan.FromDays(1));
}
