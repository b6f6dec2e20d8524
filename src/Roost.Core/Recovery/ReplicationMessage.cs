using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// What the primary site's <see cref="Replicator"/> and the cloud site's <see cref="ReplicationManager"/> say to each
/// other: one contract for both ends (and the wire codec). The link may lose, duplicate and reorder them. Closed set.
/// </summary>
public abstract record ReplicationMessage
{
    private ReplicationMessage()
    {
    }

    /// <summary>
    /// The <see cref="Sequence"/>-th write of <see cref="Vm"/>'s disk (from 1, no gaps): <see cref="Data"/> at byte
    /// <see cref="Offset"/>. The backup applies writes strictly in sequence order.
    /// </summary>
    public sealed record Write(VmId Vm, long Sequence, long Offset, ReadOnlyMemory<byte> Data) : ReplicationMessage;

    /// <summary>Every write of <see cref="Vm"/> up to and including <see cref="DurableThrough"/> is durable at the backup (cumulative).</summary>
    public sealed record Ack(VmId Vm, long DurableThrough) : ReplicationMessage;

    /// <summary>
    /// The primary is alive and has issued <see cref="Issued"/> writes of <see cref="Vm"/> so far: sent every
    /// <see cref="ReplicatorOptions.HeartbeatInterval"/>, so the cloud site hears from an idle primary too (loss
    /// detection) and knows how far it lags, and in which <see cref="Mode"/> it replicates (null: not said). The
    /// manager never acknowledges it.
    /// </summary>
    public sealed record Heartbeat(VmId Vm, long Issued, ReplicationMode? Mode = null) : ReplicationMessage;

    /// <summary>
    /// Failback's resynchronisation (<see cref="ResyncSender"/>, <see cref="ResyncReceiver"/>): the SHA-256 of
    /// <see cref="Vm"/>'s disk blocks <see cref="FirstBlock"/> onwards (32 bytes each, blocks of
    /// <see cref="BlockBytes"/>, <see cref="TotalBlocks"/> in the disk). Replication ignores it.
    /// </summary>
    public sealed record BlockDigests(VmId Vm, int BlockBytes, long FirstBlock, long TotalBlocks, ReadOnlyMemory<byte> Digests) : ReplicationMessage;
}
