using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>What a <see cref="Replicator"/> asks its host to do, in order. It performs no I/O itself. Closed set.</summary>
public abstract record ReplicatorOutput
{
    private ReplicatorOutput()
    {
    }

    /// <summary>Send to the cloud site's replication manager.</summary>
    public sealed record Send(ReplicationMessage.Write Message) : ReplicatorOutput;

    /// <summary>Tell the guest of <see cref="Vm"/> that write <see cref="Request"/> is done.</summary>
    public sealed record CompleteWrite(VmId Vm, long Request) : ReplicatorOutput;

    /// <summary>Let packet <see cref="Packet"/> of <see cref="Vm"/> go to its external client.</summary>
    public sealed record ReleasePacket(VmId Vm, long Packet) : ReplicatorOutput;

    /// <summary>Deliver internal packet <see cref="Packet"/> from <see cref="Vm"/> to <see cref="To"/> now: its dependencies travel in the replicator's counters, so it is not held.</summary>
    public sealed record DeliverInternal(VmId Vm, long Packet, VmId To) : ReplicatorOutput;

    /// <summary>Drop packet <see cref="Packet"/> of <see cref="Vm"/>: its egress buffer is full (the sender's TCP will send it again).</summary>
    public sealed record DropPacket(VmId Vm, long Packet) : ReplicatorOutput;

    /// <summary>Send <see cref="ReplicatorInput.RetransmitDue"/> after <see cref="After"/>.</summary>
    public sealed record ArmRetransmit(TimeSpan After) : ReplicatorOutput;

    /// <summary>Send a heartbeat to the cloud site (lost with the link like any frame; the next one follows).</summary>
    public sealed record SendHeartbeat(ReplicationMessage.Heartbeat Message) : ReplicatorOutput;

    /// <summary>Send <see cref="ReplicatorInput.HeartbeatDue"/> after <see cref="After"/>.</summary>
    public sealed record ArmHeartbeat(TimeSpan After) : ReplicatorOutput;
}
