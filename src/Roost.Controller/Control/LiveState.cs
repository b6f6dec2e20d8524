namespace Roost.Controller.Control;

/// <summary>
/// The latest <see cref="LiveView"/> and <see cref="StepHealth"/>: written only by the control loop, read by any
/// request thread. Both are immutable and swapped whole, so readers never see half a step.
/// </summary>
public sealed class LiveState
{
    private LiveView _current = LiveView.Empty;
    private StepHealth _health = StepHealth.Initial;

    public LiveView Current => Volatile.Read(ref _current);

    public StepHealth Health => Volatile.Read(ref _health);

    internal void Publish(LiveView view) => Interlocked.Exchange(ref _current, view);

    internal void Running(DateTimeOffset at) => Volatile.Write(ref _health, Health with { RunningSince = at });

    internal void StepSucceeded(DateTimeOffset at) => Volatile.Write(ref _health, Health with { LastSuccessAt = at, FailingSince = null, Failure = null });

    internal void StepFailed(DateTimeOffset at, string reason) => Volatile.Write(ref _health, Health with { FailingSince = Health.FailingSince ?? at, Failure = reason });
}
