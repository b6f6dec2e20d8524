namespace Roost.Bft.Messages;

/// <summary>A backup accepted the primary's pre-prepare for this slot (PBFT prepare).</summary>
public sealed record Prepare(long View, long Sequence, Digest Digest) : Message
{
    internal override MessageType Type => MessageType.Prepare;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(View);
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Digest);
    }

    internal static Prepare ReadBody(ref WireReader reader)
    {
        var view = reader.ReadInt64();
        var sequence = reader.ReadInt64();
        var digest = reader.ReadDigest();
        return new Prepare(view, sequence, digest);
    }
}
