namespace Roost.Core.Migration.Disk;

/// <summary>Where a <see cref="DiskMirrorMigration"/> is.</summary>
public enum DiskPhase
{
    Idle,

    /// <summary>Waiting for the destination to export its empty disk.</summary>
    Exporting,

    /// <summary>Waiting for the source QEMU to connect its NBD client node.</summary>
    Attaching,

    /// <summary>Waiting for <c>blockdev-mirror</c> to be accepted.</summary>
    Starting,

    /// <summary>The bulk copy runs in the background; waiting for <c>BLOCK_JOB_READY</c>.</summary>
    Copying,

    /// <summary>Ready and synchronous (write-blocking): the memory moves; waiting for its end.</summary>
    Synchronous,

    /// <summary>The source is paused after its memory moved; the mirror is being ended as a point-in-time copy.</summary>
    Completing,

    /// <summary>The copy is whole; the target node is removed, then the destination's export closed.</summary>
    Closing,

    /// <summary>Abandoning: the mirror is cancelled (waiting for its end).</summary>
    Cancelling,

    /// <summary>Abandoning: the target is removed at the source and the partial disk deleted at the destination.</summary>
    Discarding,

    Finished,
}
