namespace Roost.Core.Migration.Disk;

/// <summary>Something a <see cref="DiskMirrorMigration"/> asks its driver to do. Closed set: match on it.</summary>
public abstract record DiskOutput
{
    private DiskOutput()
    {
    }

    /// <summary>Ask the destination to export its (empty) disk over NBD, writable (<c>nbd-server-start</c> + <c>block-export-add</c>).</summary>
    public sealed record ExportAtDestination(RequestId Request) : DiskOutput;

    /// <summary>Add the NBD client node for the destination's export to the source QEMU (<c>blockdev-add</c>, through the relay or straight).</summary>
    public sealed record AttachTarget(RequestId Request) : DiskOutput;

    /// <summary>Start the mirror job into the target: <c>blockdev-mirror sync=full copy-mode=write-blocking</c>.</summary>
    public sealed record StartMirror(RequestId Request) : DiskOutput;

    /// <summary>The disk is synchronous (every write reaches both ends): the memory migration may start.</summary>
    public sealed record MoveMemory : DiskOutput;

    /// <summary>End the ready mirror leaving the target a point-in-time copy (<c>block-job-cancel</c> without force: <c>BLOCK_JOB_COMPLETED</c>).</summary>
    public sealed record CompleteMirror(RequestId Request) : DiskOutput;

    /// <summary>Abandon the mirror (<c>block-job-cancel force=true</c>).</summary>
    public sealed record CancelMirror(RequestId Request) : DiskOutput;

    /// <summary>Remove the NBD client node from the source QEMU (<c>blockdev-del</c>): the NBD connection closes.</summary>
    public sealed record DetachTarget(RequestId Request) : DiskOutput;

    /// <summary>The copy is whole: the destination stops its NBD server (before its guest may run).</summary>
    public sealed record CloseExport(RequestId Request) : DiskOutput;

    /// <summary>The migration is abandoned: the destination stops its export and deletes its partial disk.</summary>
    public sealed record DiscardAtDestination(RequestId Request) : DiskOutput;

    /// <summary>The memory migration was started and must stop (the guest stays on the source).</summary>
    public sealed record StopMemory(string Reason) : DiskOutput;

    public sealed record ArmTimer(TimerKind Kind, TimeSpan After, long Generation) : DiskOutput;

    public sealed record Finished(DiskOutcome Outcome) : DiskOutput;
}
