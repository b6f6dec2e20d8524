namespace Roost.Bft.Messages;

/// <summary>A checkpoint: the execution state's digest after <see cref="Sequence"/>.</summary>
public readonly record struct CheckpointEntry(long Sequence, Digest State)
{
    internal void Write(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(State);
    }

    internal static CheckpointEntry Read(ref WireReader reader) => new(reader.ReadInt64(), reader.ReadDigest());
}
