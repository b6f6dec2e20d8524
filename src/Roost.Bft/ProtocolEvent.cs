using Roost.Bft.Messages;

namespace Roost.Bft;

/// <summary>
/// What a node reports through <see cref="Output.Notice"/>: the facts the simulator's invariant checks and the
/// experiments' measurements are built from. Closed set.
/// </summary>
public abstract record ProtocolEvent
{
    private ProtocolEvent()
    {
    }

    /// <summary>An agreement replica committed (committed-local) <paramref name="Digest"/> at <paramref name="Sequence"/>.</summary>
    public sealed record Committed(NodeId Replica, long View, long Sequence, Digest Digest) : ProtocolEvent;

    /// <summary>An agreement replica's checkpoint became stable (2f+1 matching, or f+1 when it was far behind).</summary>
    public sealed record Stable(NodeId Replica, long Sequence, Digest State) : ProtocolEvent;

    /// <summary>An agreement replica entered a new view in normal operation.</summary>
    public sealed record ViewInstalled(NodeId Replica, long View) : ProtocolEvent;

    /// <summary>An execution replica executed the batch ordered at <paramref name="Sequence"/>.</summary>
    public sealed record Executed(NodeId Replica, long Sequence, Batch Batch) : ProtocolEvent;

    /// <summary>An execution replica checkpointed its state; <paramref name="Root"/> is the Merkle root.</summary>
    public sealed record CheckpointTaken(NodeId Replica, long Sequence, Digest Root) : ProtocolEvent;

    /// <summary>An execution replica sent a client its reply.</summary>
    public sealed record ReplySent(NodeId Replica, int Client, long Timestamp) : ProtocolEvent;

    /// <summary>A client accepted f+1 matching replies for its request.</summary>
    public sealed record Delivered(NodeId Client, long Timestamp, byte[] Operation, byte[] Result) : ProtocolEvent;

    /// <summary>An agreement replica's controller asked the sleeping execution replicas to wake.</summary>
    public sealed record WakeRequested(NodeId Replica, string Reason) : ProtocolEvent;

    /// <summary>An execution replica changed state because f+1 agreement replicas told it to.</summary>
    public sealed record ExecutorStateChanged(NodeId Replica, ControlKind Kind, int Generation) : ProtocolEvent;

    /// <summary>An execution replica starts bringing its state to a certified checkpoint (wake, lag, divergence, repair).</summary>
    public sealed record SyncStarted(NodeId Replica, long Sequence, string Reason) : ProtocolEvent;

    /// <summary>Every object of the replica's state is verified again: the state transfer is complete.</summary>
    public sealed record SyncCompleted(NodeId Replica, long Sequence, int ObjectsFetched, long BytesFetched) : ProtocolEvent;

    /// <summary>An audit found an object whose content no longer matches its digest.</summary>
    public sealed record CorruptionDetected(NodeId Replica, int ObjectIndex) : ProtocolEvent;

    /// <summary>An object found corrupt was replaced by a copy verified against its digest.</summary>
    public sealed record ObjectRepaired(NodeId Replica, int ObjectIndex) : ProtocolEvent;

    /// <summary>The replica's checkpoint differs from the certified one at the same sequence number.</summary>
    public sealed record DivergenceDetected(NodeId Replica, long Sequence) : ProtocolEvent;
}
