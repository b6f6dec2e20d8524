namespace Roost.Bft.Messages;

/// <summary>A view-change claim about one slot: <see cref="Digest"/> was prepared (P) or pre-prepared (Q) at <see cref="Sequence"/> in <see cref="View"/>.</summary>
public readonly record struct SlotEntry(long Sequence, Digest Digest, long View)
{
    internal void Write(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Digest);
        writer.WriteInt64(View);
    }

    internal static SlotEntry Read(ref WireReader reader) => new(reader.ReadInt64(), reader.ReadDigest(), reader.ReadInt64());
}
