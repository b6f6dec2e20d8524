using System.Globalization;

namespace Roost.Core.Recovery;

/// <summary>The primary side's knobs, with their one validation.</summary>
public sealed record ReplicatorOptions
{
    public ReplicationMode Mode { get; init; } = ReplicationMode.Pipelined;

    /// <summary>
    /// Most writes of one VM shipped and not yet acknowledged; further writes wait (their completion too). Bounds the
    /// memory the replicator holds for retransmission, and is async mode's lag: what a disaster can lose.
    /// </summary>
    public int MaxUnackedWrites { get; init; } = 1024;

    /// <summary>How long unacknowledged writes wait before they are shipped again (the link may lose them).</summary>
    public TimeSpan RetransmitInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Most packets one VM's egress buffer holds; the host drops further packets (TCP resends them).</summary>
    public int MaxHeldPackets { get; init; } = 4096;

    /// <summary>How often the primary tells the cloud site it is alive and how many writes it has issued (loss detection, lag).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    public string? Validate() =>
        !Enum.IsDefined(Mode) ? $"replicator mode {Mode} is unknown"
        : MaxUnackedWrites is < 1 or > 1_048_576 ? string.Create(CultureInfo.InvariantCulture, $"replicator MaxUnackedWrites {MaxUnackedWrites} is not from 1 to 1048576")
        : MaxHeldPackets is < 1 or > 1_048_576 ? string.Create(CultureInfo.InvariantCulture, $"replicator MaxHeldPackets {MaxHeldPackets} is not from 1 to 1048576")
        : RetransmitInterval <= TimeSpan.Zero || RetransmitInterval > TimeSpan.FromMinutes(10) ? $"replicator RetransmitInterval {RetransmitInterval} is not above zero and at most 10 minutes"
        : HeartbeatInterval <= TimeSpan.Zero || HeartbeatInterval > TimeSpan.FromMinutes(10) ? $"replicator HeartbeatInterval {HeartbeatInterval} is not above zero and at most 10 minutes"
        : null;
}
