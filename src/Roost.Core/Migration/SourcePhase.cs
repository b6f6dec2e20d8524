namespace Roost.Core.Migration;

/// <summary>Where an outgoing migration is. Every phase but <see cref="Idle"/> and <see cref="Finished"/> has its deadline armed.</summary>
public enum SourcePhase
{
    Idle,

    /// <summary>Waiting for the destination to admit the VM.</summary>
    Admitting,

    /// <summary>Waiting for the source's QEMU to start the stream.</summary>
    Starting,

    /// <summary>Pre-copy under way; progress polled.</summary>
    Streaming,

    /// <summary>Post-copy under way: no way back to the source; progress polled until completed.</summary>
    PostCopy,

    /// <summary>Stream complete; waiting for the destination to confirm it runs the guest.</summary>
    Confirming,

    /// <summary>No definite answer from the destination after the stream: asking again until one comes.</summary>
    Resolving,

    /// <summary>Aborting: waiting for QEMU to report the cancelled stream over.</summary>
    Cancelling,

    /// <summary>Aborting: waiting for the source's guest to run again.</summary>
    Recovering,

    Finished,
}
