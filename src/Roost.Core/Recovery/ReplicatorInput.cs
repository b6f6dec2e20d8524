using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>What the primary site's host tells a <see cref="Replicator"/>. Closed set.</summary>
public abstract record ReplicatorInput
{
    private ReplicatorInput()
    {
    }

    /// <summary>The guest of <see cref="Vm"/> wrote <see cref="Data"/> at <see cref="Offset"/>; answer it when <see cref="ReplicatorOutput.CompleteWrite"/> says so.</summary>
    public sealed record GuestWrite(VmId Vm, long Request, long Offset, ReadOnlyMemory<byte> Data) : ReplicatorInput;

    /// <summary>
    /// The guest of <see cref="Vm"/> sent packet <see cref="Packet"/>: to another protected VM <see cref="To"/> (internal
    /// traffic of a multi-tier application), or to an external client when <see cref="To"/> is null.
    /// </summary>
    public sealed record GuestPacket(VmId Vm, long Packet, VmId? To) : ReplicatorInput;

    /// <summary>A message from the cloud site arrived (only <see cref="ReplicationMessage.Ack"/> is expected).</summary>
    public sealed record Received(ReplicationMessage Message) : ReplicatorInput;

    /// <summary>The retransmission timer armed by <see cref="ReplicatorOutput.ArmRetransmit"/> expired.</summary>
    public sealed record RetransmitDue : ReplicatorInput;

    /// <summary>
    /// The heartbeat timer armed by <see cref="ReplicatorOutput.ArmHeartbeat"/> expired (the host posts the first one
    /// when it starts): a <see cref="ReplicationMessage.Heartbeat"/> for every protected VM goes out.
    /// </summary>
    public sealed record HeartbeatDue : ReplicatorInput;

    /// <summary>
    /// The host (re)connected to the cloud site: a heartbeat for every protected VM goes out at once, so the site
    /// hears from this primary without waiting for the next <see cref="HeartbeatDue"/>.
    /// </summary>
    public sealed record Connected : ReplicatorInput;
}
