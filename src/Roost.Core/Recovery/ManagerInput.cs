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

    /// <summary>The liveness timer armed by <see cref="ManagerOutput.ArmLiveness"/> expired at <see cref="Now"/>.</summary>
    public sealed record LivenessDue(TimeSpan Now) : ManagerInput;
}
