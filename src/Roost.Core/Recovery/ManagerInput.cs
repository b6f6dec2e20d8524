using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>What the cloud site's host tells a <see cref="ReplicationManager"/>. Closed set.</summary>
public abstract record ManagerInput
{
    private ManagerInput()
    {
    }

    /// <summary>The manager starts (first time or after a restart): it arms its checkpoint timer.</summary>
    public sealed record Started(TimeSpan Now) : ManagerInput;

    /// <summary>
    /// A message from the primary site arrived at <see cref="Now"/> (a <see cref="ReplicationMessage.Write"/> or a
    /// <see cref="ReplicationMessage.Heartbeat"/>; either is contact with the primary).
    /// </summary>
    public sealed record Received(ReplicationMessage Message, TimeSpan Now) : ManagerInput;

    /// <summary>The checkpoint timer armed by <see cref="ManagerOutput.ArmCheckpoint"/> expired at <see cref="Now"/>.</summary>
    public sealed record CheckpointDue(TimeSpan Now) : ManagerInput;

    /// <summary>
    /// Fence <see cref="Vm"/> at <see cref="Now"/> (a failover begins): no write of its old primary is applied or
    /// acknowledged after, so the replica a failover boots from is final. Answered by <see cref="ManagerOutput.Fenced"/>.
    /// </summary>
    public sealed record Fence(VmId Vm, TimeSpan Now) : ManagerInput;

    /// <summary>The liveness timer armed by <see cref="ManagerOutput.ArmLiveness"/> expired at <see cref="Now"/>.</summary>
    public sealed record LivenessDue(TimeSpan Now) : ManagerInput;
}
