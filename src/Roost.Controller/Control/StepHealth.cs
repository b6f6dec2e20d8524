namespace Roost.Controller.Control;

/// <summary>
/// How the control loop's steps go: when one last succeeded, and when steps fail, since when and why (one line).
/// <see cref="RunningSince"/> is when the loop started stepping by itself (null when a caller steps it).
/// </summary>
public sealed record StepHealth(DateTimeOffset? RunningSince, DateTimeOffset? LastSuccessAt, DateTimeOffset? FailingSince, string? Failure)
{
    public static StepHealth Initial { get; } = new(null, null, null, null);
}
