namespace Roost.Core.Migration;

/// <summary>
/// The timers of one migration machine: one per <see cref="TimerKind"/>, each arming numbered with a fresh
/// generation so an expiry that arrives after the timer was re-armed (or the machine moved on) is told apart.
/// </summary>
internal sealed class MachineTimers
{
    private readonly long[] _generation = new long[Enum.GetValues<TimerKind>().Length];
    private readonly bool[] _armed = new bool[Enum.GetValues<TimerKind>().Length];
    private long _last;

    public bool IsArmed(TimerKind kind) => _armed[(int)kind];

    /// <summary>Arms (or re-arms) <paramref name="kind"/>; returns the generation its expiry must carry.</summary>
    public long Arm(TimerKind kind)
    {
        _last++;
        _generation[(int)kind] = _last;
        _armed[(int)kind] = true;
        return _last;
    }

    /// <summary>True when this expiry is the armed timer's own (it is then no longer armed); false for a stale one.</summary>
    public bool TryFire(TimerKind kind, long generation)
    {
        if ((uint)kind >= (uint)_armed.Length || !_armed[(int)kind] || _generation[(int)kind] != generation)
        {
            return false;
        }

        _armed[(int)kind] = false;
        return true;
    }

    public void DisarmAll() => Array.Clear(_armed);
}
