namespace Roost.Simulation.DataCenter;

/// <summary>
/// Folds VMs' state histories into the totals behind PDM (Helper.getSlaMetrics): MIPS-seconds requested and
/// under-allocated while migrating. Same-time entries replace the previous one, as in CloudSim.
/// </summary>
internal sealed class VmStateAccumulator
{
    // Each VM's last entry in one record, so that recording a VM touches one cache line.
    private readonly Entry[] _last;

    public VmStateAccumulator(int count)
    {
        _last = new Entry[count];
        _last.AsSpan().Fill(new Entry(double.NaN, 0, 0, false));
    }

    public double RequestedMipsSeconds { get; private set; }

    public double UnderAllocatedInMigrationMipsSeconds { get; private set; }

    /// <summary>
    /// Records a VM's state at <paramref name="time"/>. What the entry it replaces adds to the totals is added now, or,
    /// with a <paramref name="log"/> (VMs recorded on several cores), kept there for <see cref="Replay"/>.
    /// </summary>
    public void Record(int vm, double time, double allocated, double requested, bool inMigration, ContributionLog? log = null)
    {
        ref var last = ref _last[vm];
        if (!double.IsNaN(last.Time) && last.Time != time)
        {
            var seconds = time - last.Time;
            var requestedSeconds = last.Requested * seconds;
            var underSeconds = last.Allocated < last.Requested && last.InMigration ? (last.Requested - last.Allocated) * seconds : double.NaN;
            if (log is null)
            {
                Add(requestedSeconds, underSeconds);
            }
            else
            {
                log.Add(requestedSeconds, underSeconds);
            }
        }

        last = new Entry(time, allocated, requested, inMigration);
    }

    /// <summary>Adds what was logged, in the order it was recorded.</summary>
    public void Replay(ContributionLog log)
    {
        var requested = log.First;
        var under = log.Second;
        for (var i = 0; i < requested.Length; i++)
        {
            Add(requested[i], under[i]);
        }
    }

    // The sums in the order of the serial code: requested, then under-allocation (NaN: none).
    private void Add(double requestedSeconds, double underSeconds)
    {
        RequestedMipsSeconds += requestedSeconds;
        if (!double.IsNaN(underSeconds))
        {
            UnderAllocatedInMigrationMipsSeconds += underSeconds;
        }
    }

    private readonly record struct Entry(double Time, double Allocated, double Requested, bool InMigration);
}
