namespace Roost.Core.Recovery;

/// <summary>
/// One protected VM as the cloud site's <see cref="ReplicationManager"/> knows it: <see cref="Applied"/> writes durable
/// (what a failover boots from), <see cref="Issued"/> as its primary last said (null until a heartbeat said),
/// <see cref="LastContact"/> (null when never heard from since the manager started) and whether its primary is
/// declared lost; the <see cref="Mode"/> its primary said, <see cref="CaughtUpAt"/> (the latest heartbeat whose issued
/// count is durable here: nothing written before it is missing) and whether it is fenced for a failover.
/// </summary>
public sealed record ReplicaState(ProtectedDisk Disk, long Applied, long? Issued, TimeSpan? LastContact, bool Lost, ReplicationMode? Mode = null, TimeSpan? CaughtUpAt = null, bool Fenced = false)
{
    /// <summary>Writes the primary issued that are not durable here yet, when the primary said how many it issued.</summary>
    public long? Lag => Issued is { } issued ? Math.Max(0, issued - Applied) : null;
}
