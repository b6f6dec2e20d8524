namespace Roost.Bft.Messages;

/// <summary>An execution replica's checkpoint: the Merkle root of its state after executing <see cref="Sequence"/>.</summary>
public sealed record ExecCheckpoint(long Sequence, Digest State, int Generation) : Message
{
    internal override MessageType Type => MessageType.ExecCheckpoint;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(State);
        writer.WriteInt32(Generation);
    }

    internal static ExecCheckpoint ReadBody(ref WireReader reader)
    {
        var sequence = reader.ReadInt64();
        var state = reader.ReadDigest();
        var generation = reader.ReadInt32();
        return new ExecCheckpoint(sequence, state, generation);
    }
}
