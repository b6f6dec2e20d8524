namespace Roost.Bft.Messages;

/// <summary>Agreement checkpoint vote: the sender holds an execution-state digest certified at this sequence number.</summary>
public sealed record Checkpoint(long Sequence, Digest State) : Message
{
    internal override MessageType Type => MessageType.Checkpoint;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(State);
    }

    internal static Checkpoint ReadBody(ref WireReader reader)
    {
        var sequence = reader.ReadInt64();
        var state = reader.ReadDigest();
        return new Checkpoint(sequence, state);
    }
}
