namespace Roost.Core.Migration.Disk;

/// <summary>How a disk migration ended. Closed set: match on it.</summary>
public abstract record DiskOutcome
{
    private DiskOutcome()
    {
    }

    /// <summary>The destination's disk is a copy of the source's at the switch-over (taken while the source was paused after its memory moved).</summary>
    public sealed record Completed : DiskOutcome;

    /// <summary>
    /// Abandoned: the guest stays on the source. <paramref name="DestinationCleaned"/> says whether the destination
    /// confirmed it deleted its partial disk (when false, its own expiry must remove it).
    /// </summary>
    public sealed record Aborted(string Reason, bool DestinationCleaned) : DiskOutcome;
}
