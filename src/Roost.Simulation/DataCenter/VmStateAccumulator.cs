namespace Roost.Simulation.DataCenter;

/// <summary>
/// Folds VMs' state histories into the totals behind PDM (Helper.getSlaMetrics): MIPS-seconds requested, allocated,
/// and under-allocated while migrating. Same-time entries replace the previous one, as in CloudSim.
/// </summary>
internal sealed class VmStateAccumulator
{
    private readonly double[] _time;
    private readonly double[] _allocated;
    private readonly double[] _requested;
    private readonly bool[] _inMigration;
    private readonly (bool Has, double Allocated, double Requested, double Under)[] _pending;

    public VmStateAccumulator(int count)
    {
        _time = new double[count];
        _allocated = new double[count];
        _requested = new double[count];
        _inMigration = new bool[count];
        _pending = new (bool, double, double, double)[count];
        Array.Fill(_time, double.NaN);
    }

    public double RequestedMipsSeconds { get; private set; }

    public double AllocatedMipsSeconds { get; private set; }

    public double UnderAllocatedInMigrationMipsSeconds { get; private set; }

    /// <summary>
    /// While set, <see cref="Record"/> keeps each VM's contribution to the totals aside instead of adding it, so that
    /// VMs can be recorded from several threads; <see cref="Commit"/> then adds them in a fixed order.
    /// </summary>
    public bool Deferring { get; set; }

    public void Record(int vm, double time, double allocated, double requested, bool inMigration)
    {
        var last = _time[vm];
        if (!double.IsNaN(last) && last != time)
        {
            var seconds = time - last;
            var allocatedSeconds = _allocated[vm] * seconds;
            var requestedSeconds = _requested[vm] * seconds;
            var underSeconds = _allocated[vm] < _requested[vm] && _inMigration[vm] ? (_requested[vm] - _allocated[vm]) * seconds : double.NaN;
            if (Deferring)
            {
                _pending[vm] = (true, allocatedSeconds, requestedSeconds, underSeconds);
            }
            else
            {
                Add(allocatedSeconds, requestedSeconds, underSeconds);
            }
        }

        _time[vm] = time;
        _allocated[vm] = allocated;
        _requested[vm] = requested;
        _inMigration[vm] = inMigration;
    }

    /// <summary>Adds the contribution a deferred <see cref="Record"/> kept aside for this VM, if any.</summary>
    public void Commit(int vm)
    {
        var (has, allocatedSeconds, requestedSeconds, underSeconds) = _pending[vm];
        if (has)
        {
            _pending[vm] = default;
            Add(allocatedSeconds, requestedSeconds, underSeconds);
        }
    }

    // The sums in the order of the serial code: allocated, requested, then under-allocation (NaN: none).
    private void Add(double allocatedSeconds, double requestedSeconds, double underSeconds)
    {
        AllocatedMipsSeconds += allocatedSeconds;
        RequestedMipsSeconds += requestedSeconds;
        if (!double.IsNaN(underSeconds))
        {
            UnderAllocatedInMigrationMipsSeconds += underSeconds;
        }
    }
}
