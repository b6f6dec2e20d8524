namespace Roost.Simulation.DataCenter;

/// <summary>
/// Folds hosts' state histories (time, allocated MIPS, requested MIPS, active) into SLATAH and shutdown counts as they
/// are recorded, without keeping them: an entry at the same time as the previous one replaces it, as in CloudSim.
/// </summary>
internal sealed class StateAccumulator
{
    private readonly double[] _time;
    private readonly double[] _allocated;
    private readonly double[] _requested;
    private readonly bool[] _active;
    private readonly bool[] _previousActive;

    public StateAccumulator(int count)
    {
        _time = new double[count];
        _allocated = new double[count];
        _requested = new double[count];
        _active = new bool[count];
        _previousActive = new bool[count];
        Array.Fill(_time, double.NaN);

        // Helper.getTimesBeforeHostShutdown starts from "active", so a host idle from its first entry counts once.
        Array.Fill(_previousActive, true);
    }

    public double ActiveSeconds { get; private set; }

    public double ViolationSeconds { get; private set; }

    public int Shutdowns { get; private set; }

    /// <summary>Whether the entity's last entry exists and says idle with nothing allocated or requested.</summary>
    public bool IsIdle(int index) => !double.IsNaN(_time[index]) && !_active[index] && _allocated[index] == 0 && _requested[index] == 0 && !_previousActive[index];

    /// <summary>Adds what was logged, in the order it was recorded.</summary>
    public void Replay(ContributionLog log)
    {
        var active = log.First;
        var violation = log.Second;
        for (var i = 0; i < active.Length; i++)
        {
            Add(active[i], violation[i], shutdown: false);
        }

        Shutdowns += log.Events;
    }

    /// <summary>
    /// Records an entity's state at <paramref name="time"/>. What the entry it replaces adds to the totals is added
    /// now, or, with a <paramref name="log"/> (entities recorded on several cores), kept there for <see cref="Replay"/>.
    /// </summary>
    public void Record(int index, double time, double allocated, double requested, bool active, ContributionLog? log = null)
    {
        var last = _time[index];
        if (!double.IsNaN(last) && last != time)
        {
            Finalize(index, time - last, log);
        }

        _time[index] = time;
        _allocated[index] = allocated;
        _requested[index] = requested;
        _active[index] = active;
    }

    private void Finalize(int index, double seconds, ContributionLog? log)
    {
        var active = _active[index] ? seconds : double.NaN;
        var violation = _active[index] && _allocated[index] < _requested[index] ? seconds : double.NaN;
        var shutdown = Transition(index);
        if (log is null)
        {
            Add(active, violation, shutdown);
            return;
        }

        if (!double.IsNaN(active))
        {
            log.Add(active, violation);
        }

        if (shutdown)
        {
            log.Events++;
        }
    }

    // The sums in the order of the serial code (NaN: nothing to add).
    private void Add(double activeSeconds, double violationSeconds, bool shutdown)
    {
        if (!double.IsNaN(activeSeconds))
        {
            ActiveSeconds += activeSeconds;
        }

        if (!double.IsNaN(violationSeconds))
        {
            ViolationSeconds += violationSeconds;
        }

        if (shutdown)
        {
            Shutdowns++;
        }
    }

    /// <summary>Moves the entity's last state into "previous"; true when that step switched it off.</summary>
    private bool Transition(int index)
    {
        var shutdown = _previousActive[index] && !_active[index];
        _previousActive[index] = _active[index];
        return shutdown;
    }

    /// <summary>Accounts the last entry of every history for the shutdown count; call once, at the end.</summary>
    public void Close()
    {
        for (var i = 0; i < _time.Length; i++)
        {
            if (!double.IsNaN(_time[i]))
            {
                if (Transition(i))
                {
                    Shutdowns++;
                }
            }
        }
    }
}
