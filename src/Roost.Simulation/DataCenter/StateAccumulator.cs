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
    private readonly (bool Has, double Active, double Violation, bool Shutdown)[] _pending;

    public StateAccumulator(int count)
    {
        _time = new double[count];
        _allocated = new double[count];
        _requested = new double[count];
        _active = new bool[count];
        _previousActive = new bool[count];
        _pending = new (bool, double, double, bool)[count];
        Array.Fill(_time, double.NaN);

        // Helper.getTimesBeforeHostShutdown starts from "active", so a host idle from its first entry counts once.
        Array.Fill(_previousActive, true);
    }

    public double ActiveSeconds { get; private set; }

    public double ViolationSeconds { get; private set; }

    public int Shutdowns { get; private set; }

    /// <summary>Whether the entity's last entry exists and says idle with nothing allocated or requested.</summary>
    public bool IsIdle(int index) => !double.IsNaN(_time[index]) && !_active[index] && _allocated[index] == 0 && _requested[index] == 0 && !_previousActive[index];

    /// <summary>
    /// While set, <see cref="Record"/> keeps each entity's contribution to the totals aside instead of adding it, so
    /// that entities can be recorded from several threads; <see cref="Commit"/> then adds them in a fixed order.
    /// </summary>
    public bool Deferring { get; set; }

    /// <summary>Adds the contribution a deferred <see cref="Record"/> kept aside for this entity, if any.</summary>
    public void Commit(int index)
    {
        var (has, active, violation, shutdown) = _pending[index];
        if (has)
        {
            _pending[index] = default;
            Add(active, violation, shutdown);
        }
    }

    public void Record(int index, double time, double allocated, double requested, bool active)
    {
        var last = _time[index];
        if (!double.IsNaN(last) && last != time)
        {
            Finalize(index, time - last);
        }

        _time[index] = time;
        _allocated[index] = allocated;
        _requested[index] = requested;
        _active[index] = active;
    }

    private void Finalize(int index, double seconds)
    {
        var active = _active[index] ? seconds : double.NaN;
        var violation = _active[index] && _allocated[index] < _requested[index] ? seconds : double.NaN;
        var shutdown = Transition(index);
        if (Deferring)
        {
            _pending[index] = (true, active, violation, shutdown);
        }
        else
        {
            Add(active, violation, shutdown);
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
