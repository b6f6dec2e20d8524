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
}
