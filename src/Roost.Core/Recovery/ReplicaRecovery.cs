using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>What a restarted <see cref="ReplicationManager"/> recovers from its durable journal: each VM's applied prefix and the checkpoints kept, oldest first.</summary>
public sealed record ReplicaRecovery(IReadOnlyDictionary<VmId, long> Applied, IReadOnlyList<ReplicaCheckpoint> Checkpoints)
{
    public static ReplicaRecovery Empty { get; } = new(new Dictionary<VmId, long>(), []);
}
