namespace Roost.Bft.Messages;

/// <summary>The sender has prepared this slot (PBFT commit).</summary>
public sealed record Commit(long View, long Sequence, Digest Digest) : Message
{
    internal override MessageType Type => MessageType.Commit;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(View);
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Digest);
    }

    internal static Commit ReadBody(ref WireReader reader)
    {
        var view = reader.ReadInt64();
        var sequence = reader.ReadInt64();
        var digest = reader.ReadDigest();
        return new Commit(view, sequence, digest);
    }
}
