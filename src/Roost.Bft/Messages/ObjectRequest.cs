namespace Roost.Bft.Messages;

/// <summary>Audit repair: a copy of object <see cref="Index"/> whose leaf digest is <see cref="Leaf"/>.</summary>
public sealed record ObjectRequest(int Index, Digest Leaf) : Message
{
    internal override MessageType Type => MessageType.ObjectRequest;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt32(Index);
        writer.WriteDigest(Leaf);
    }

    internal static ObjectRequest ReadBody(ref WireReader reader)
    {
        var index = reader.ReadInt32();
        var leaf = reader.ReadDigest();
        return new ObjectRequest(index, leaf);
    }
}
