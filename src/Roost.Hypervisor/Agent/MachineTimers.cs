using Roost.Core.Migration;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The real timers behind a migration machine's <c>ArmTimer</c> outputs: one <see cref="ITimer"/> per
/// <see cref="TimerKind"/> from the injected <see cref="TimeProvider"/>, re-armed in place; an expiry posts the
/// machine's own input (with the generation, so the machine can tell a stale one).
/// </summary>
internal sealed class MachineTimers(TimeProvider time) : IDisposable
{
    private readonly ITimer?[] _timers = new ITimer?[Enum.GetValues<TimerKind>().Length];
    private bool _disposed;

    public void Arm(TimerKind kind, TimeSpan after, Action fire)
    {
        lock (_timers)
        {
            if (_disposed)
            {
                return;
            }

            _timers[(int)kind]?.Dispose();
            _timers[(int)kind] = time.CreateTimer(_ => fire(), null, after, Timeout.InfiniteTimeSpan);
        }
    }

    public void Dispose()
    {
        lock (_timers)
        {
            _disposed = true;
            foreach (var timer in _timers)
            {
                timer?.Dispose();
            }
        }
    }
}
