namespace Roost.Bft.Messages;

/// <summary>Answer to <see cref="StateRequest"/>; the receiver verifies every item against the root it trusts.</summary>
public sealed record StateReply(Digest Root, bool Available, IReadOnlyList<NodeChildren> Nodes, IReadOnlyList<ObjectContent> Objects) : Message
{
    internal override MessageType Type => MessageType.StateReply;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteDigest(Root);
        writer.WriteBool(Available);
        writer.WriteInt32(Nodes.Count);
        foreach (var item in Nodes)
        {
            item.Write(writer);
        }
        writer.WriteInt32(Objects.Count);
        foreach (var item in Objects)
        {
            item.Write(writer);
        }
    }

    internal static StateReply ReadBody(ref WireReader reader)
    {
        var root = reader.ReadDigest();
        var available = reader.ReadBool();
        var nodes = new NodeChildren[reader.ReadCount(68)];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = NodeChildren.Read(ref reader);
        }

        var objects = new ObjectContent[reader.ReadCount(8)];
        for (var i = 0; i < objects.Length; i++)
        {
            objects[i] = ObjectContent.Read(ref reader);
        }
        return new StateReply(root, available, nodes, objects);
    }
}
