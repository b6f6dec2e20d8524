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

    public VmStateAccumulator(int count)
    {
        _time = new double[count];
        _allocated = new double[count];
        _requested = new double[count];
        _inMigration = new bool[count];
        Array.Fill(_time, double.NaN);
    }

    public double RequestedMipsSeconds { get; private set; }

    public double AllocatedMipsSeconds { get; private set; }

    public double UnderAllocatedInMigrationMipsSeconds { get; private set; }

    public void Record(int vm, double time, double allocated, double requested, bool inMigration)
    {
        var last = _time[vm];
        if (!double.IsNaN(last) && last != time)
        {
            var seconds = time - last;
            AllocatedMipsSeconds += _allocated[vm] * seconds;
            RequestedMipsSeconds += _requested[vm] * seconds;
            if (_allocated[vm] < _requested[vm] && _inMigration[vm])
            {
                UnderAllocatedInMigrationMipsSeconds += (_requested[vm] - _allocated[vm]) * seconds;
            }
        }

        _time[vm] = time;
        _allocated[vm] = allocated;
        _requested[vm] = requested;
        _inMigration[vm] = inMigration;
    }
}
