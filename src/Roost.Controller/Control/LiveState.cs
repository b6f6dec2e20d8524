namespace Roost.Controller.Control;

/// <summary>
/// The latest <see cref="LiveView"/>: written only by the control loop, read by any request thread. The view is
/// immutable and swapped whole, so readers never see half a step.
/// </summary>
public sealed class LiveState
{
    private LiveView _current = LiveView.Empty;

    public LiveView Current => Volatile.Read(ref _current);

    internal void Publish(LiveView view) => Interlocked.Exchange(ref _current, view);
}
