namespace Roost.Core.Recovery;

/// <summary>What a <see cref="ResyncSender"/> or <see cref="ResyncReceiver"/> asks its host to do, in order. Closed set.</summary>
public abstract record ResyncOutput
{
    private ResyncOutput()
    {
    }

    /// <summary>Send to the other site.</summary>
    public sealed record Send(ReplicationMessage Message) : ResyncOutput;

    /// <summary>Sender: read block <see cref="Block"/> of the disk and send it as write <see cref="Sequence"/> (<see cref="ResyncSender.BlockWrite"/>).</summary>
    public sealed record SendBlock(long Block, long Sequence) : ResyncOutput;

    /// <summary>Receiver: write <see cref="Data"/> at <see cref="Offset"/> of the disk (inside it, one whole block).</summary>
    public sealed record WriteBlock(long Offset, ReadOnlyMemory<byte> Data) : ResyncOutput;

    /// <summary>Both disks are now equal, block for block; <see cref="Blocks"/> blocks were moved.</summary>
    public sealed record Finished(long Blocks) : ResyncOutput;

    /// <summary>The resynchronisation cannot go on (the peer broke the protocol, or the disks differ at the end): one line why.</summary>
    public sealed record Failed(string Reason) : ResyncOutput;
}
