namespace Roost.Core.Migration.Disk;

/// <summary>Something that happened, told to a <see cref="DiskMirrorMigration"/>. Closed set: match on it.</summary>
public abstract record DiskInput
{
    private DiskInput()
    {
    }

    /// <summary>Start moving the disk (the VM runs on the source; its memory has not started to move).</summary>
    public sealed record Begin : DiskInput;

    /// <summary>The destination's answer to <see cref="DiskOutput.ExportAtDestination"/>, <see cref="DiskOutput.CloseExport"/> or <see cref="DiskOutput.DiscardAtDestination"/>: null when done, else why not.</summary>
    public sealed record DestinationAnswered(RequestId Request, string? Failure) : DiskInput;

    /// <summary>The source QEMU's answer to a block command: null when done, else QEMU's error.</summary>
    public sealed record QemuAnswered(RequestId Request, string? Failure) : DiskInput;

    /// <summary><c>BLOCK_JOB_READY</c> for the mirror: source and target hold the same data; from now on writes reach both.</summary>
    public sealed record JobReady : DiskInput;

    /// <summary>
    /// The mirror job ended: <c>BLOCK_JOB_COMPLETED</c> (with QEMU's error when it failed, e.g. the NBD connection
    /// was lost) or <c>BLOCK_JOB_CANCELLED</c> (<paramref name="Cancelled"/>).
    /// </summary>
    public sealed record JobEnded(string? Error, bool Cancelled) : DiskInput;

    /// <summary>The memory migration completed: the source is paused and the destination holds the guest's RAM.</summary>
    public sealed record MemoryMoved : DiskInput;

    /// <summary>The memory migration failed or was cancelled (the guest runs on the source).</summary>
    public sealed record MemoryFailed(string Reason) : DiskInput;

    /// <summary>The operator cancels.</summary>
    public sealed record CancelRequested : DiskInput;

    /// <summary>A timer armed with <see cref="DiskOutput.ArmTimer"/> went off; stale generations are ignored.</summary>
    public sealed record TimerFired(TimerKind Kind, long Generation) : DiskInput;
}
