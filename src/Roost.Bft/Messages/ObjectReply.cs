namespace Roost.Bft.Messages;

/// <summary>Answer to <see cref="ObjectRequest"/>; empty content if the sender has no such version.</summary>
public sealed record ObjectReply(int Index, Digest Leaf, byte[] Content) : Message
{
    internal override MessageType Type => MessageType.ObjectReply;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt32(Index);
        writer.WriteDigest(Leaf);
        writer.WriteBytes(Content);
    }

    internal static ObjectReply ReadBody(ref WireReader reader)
    {
        var index = reader.ReadInt32();
        var leaf = reader.ReadDigest();
        var content = reader.ReadBytes();
        return new ObjectReply(index, leaf, content);
    }
}
