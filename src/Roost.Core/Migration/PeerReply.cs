namespace Roost.Core.Migration;

/// <summary>
/// What a peer call came to, as the migration machines reason about it. Closed set: match on it. The line that
/// matters is between definite answers (the peer said what it holds) and <see cref="Failed"/> (no usable answer:
/// unreachable, timed out, malformed, a server error), after which the peer's state is unknown.
/// </summary>
public abstract record PeerReply
{
    private PeerReply()
    {
    }

    /// <summary>The destination admitted the VM; its QEMU waits for the stream on <see cref="Port"/>.</summary>
    public sealed record Admitted(long Port) : PeerReply;

    /// <summary>The destination runs the VM from now on (it committed to it and resumed the guest).</summary>
    public sealed record Adopted : PeerReply;

    /// <summary>The destination holds no half of the VM and will never run it from this migration.</summary>
    public sealed record Dropped : PeerReply;

    /// <summary>A definite refusal: nothing from this migration runs, or will run, at the destination.</summary>
    public sealed record Declined(string Reason) : PeerReply;

    /// <summary>No definite answer; the peer's state is unknown.</summary>
    public sealed record Failed(string Reason) : PeerReply;
}
