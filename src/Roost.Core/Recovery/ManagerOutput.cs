using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// What a <see cref="ReplicationManager"/> asks its host to do, strictly in order: an <see cref="Send"/> of an ack
/// comes after the <see cref="Append"/> outputs it covers, and the host must make those durable before it sends the
/// ack (nothing acknowledged is ever lost). Closed set.
/// </summary>
public abstract record ManagerOutput
{
    private ManagerOutput()
    {
    }

    /// <summary>Append <see cref="Write"/> to its VM's journal (after the base image) and make it durable.</summary>
    public sealed record Append(ReplicationMessage.Write Write) : ManagerOutput;

    /// <summary>Send to the primary site.</summary>
    public sealed record Send(ReplicationMessage.Ack Message) : ManagerOutput;

    /// <summary>Record <see cref="Checkpoint"/> durably in the journal.</summary>
    public sealed record CheckpointTaken(ReplicaCheckpoint Checkpoint) : ManagerOutput;

    /// <summary>
    /// Forget checkpoint <see cref="Id"/> and fold each VM's journal into its base image up to <see cref="Base"/>
    /// (the oldest checkpoint still kept): the base is then that point in time.
    /// </summary>
    public sealed record CheckpointDropped(long Id, DependencyVector Base) : ManagerOutput;

    /// <summary>A message was refused (unknown VM, out of the disk, too large): one line for the log.</summary>
    public sealed record Refused(VmId Vm, string Reason) : ManagerOutput;

    /// <summary>Send <see cref="ManagerInput.CheckpointDue"/> after <see cref="After"/>.</summary>
    public sealed record ArmCheckpoint(TimeSpan After) : ManagerOutput;

    /// <summary>Send <see cref="ManagerInput.LivenessDue"/> after <see cref="After"/>.</summary>
    public sealed record ArmLiveness(TimeSpan After) : ManagerOutput;

    /// <summary>
    /// Nothing came from <see cref="Vm"/>'s primary for longer than <see cref="ReplicationManagerOptions.LossAfter"/>
    /// (said once per silence): a failover now would boot from write <see cref="Applied"/>, and the primary was last
    /// heard at <see cref="LastContact"/> (issuing <see cref="Issued"/> writes by then, when it said).
    /// </summary>
    public sealed record PrimaryLost(VmId Vm, long Applied, long? Issued, TimeSpan LastContact, TimeSpan Now) : ManagerOutput;

    /// <summary>
    /// <see cref="Vm"/> is fenced with <see cref="Applied"/> writes durable (the host has flushed everything appended
    /// before this output): export that point and boot it. Null <see cref="Applied"/>: not a protected VM.
    /// </summary>
    public sealed record Fenced(VmId Vm, long? Applied) : ManagerOutput;

    /// <summary>The primary of <see cref="Vm"/>, declared lost, was heard from again at <see cref="Now"/>.</summary>
    public sealed record PrimaryBack(VmId Vm, TimeSpan Now) : ManagerOutput;
}
