namespace Roost.Core.Migration;

/// <summary>QEMU's status of an outgoing migration stream (<c>query-migrate</c>), as the machine needs it.</summary>
public enum StreamStatus
{
    /// <summary>No migration has run (QEMU's <c>none</c>).</summary>
    None,
    Setup,
    Active,
    /// <summary>Post-copy: the source is paused and the destination pulls the remaining pages.</summary>
    PostCopyActive,
    /// <summary>Any status between the last pre-copy round and completion (<c>pre-switchover</c>, <c>device</c>, …).</summary>
    Switchover,
    Cancelling,
    Cancelled,
    Completed,
    Failed,
}
