using Roost.Bft.Messages;

namespace Roost.Bft;

/// <summary>Something a node asks its host to do, or tells it. The node itself never performs I/O.</summary>
public abstract record Output
{
    private Output()
    {
    }

    /// <summary>Send a message to one node (broadcasts are one <see cref="Send"/> per destination).</summary>
    public sealed record Send(NodeId To, Message Message) : Output;

    /// <summary>Deliver <see cref="Input.TimerExpired"/> of this kind after <paramref name="After"/>, replacing any pending one.</summary>
    public sealed record SetTimer(TimerKind Kind, TimeSpan After) : Output;

    /// <summary>Forget the pending timer of this kind, if any.</summary>
    public sealed record CancelTimer(TimerKind Kind) : Output;

    /// <summary>An observable event (a commit, an execution, a wake-up, a delivered reply) for tests, metrics and logs.</summary>
    public sealed record Notice(ProtocolEvent Event) : Output;
}
