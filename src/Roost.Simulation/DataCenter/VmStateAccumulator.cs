namespace Roost.Simulation.DataCenter;

/// <summary>
/// Folds VMs' state histories into the totals behind PDM (Helper.getSlaMetrics): MIPS-seconds requested and
/// under-allocated while migrating. Same-time entries replace the previous one, as in CloudSim. Each VM's last entry
/// is kept by the caller (next to the rest of the VM's state, so that a host update reads one record per VM).
/// </summary>
internal sealed class VmStateAccumulator
{
    public double RequestedMipsSeconds { get; private set; }

    public double UnderAllocatedInMigrationMipsSeconds { get; private set; }

    /// <summary>
    /// Records a VM's state at <paramref name="time"/>. What the entry it replaces adds to the totals is added now, or,
    /// with a <paramref name="log"/> (VMs recorded on several cores), kept there for <see cref="Replay"/>.
    /// </summary>
    public void Record(ref Entry last, double time, double allocated, double requested, bool inMigration, ContributionLog? log = null)
    {
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

    /// <summary>A VM's last recorded state; <see cref="None"/> before its first.</summary>
    internal readonly record struct Entry(double Time, double Allocated, double Requested, bool InMigration)
    {
        public static Entry None { get; } = new(double.NaN, 0, 0, false);
    }
}
