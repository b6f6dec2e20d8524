namespace Roost.Bft.Messages;

/// <summary>State transfer: the children of Merkle nodes and the objects, in the checkpoint whose root is <see cref="Root"/>.</summary>
public sealed record StateRequest(Digest Root, IReadOnlyList<int> Nodes, IReadOnlyList<int> Objects) : Message
{
    internal override MessageType Type => MessageType.StateRequest;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteDigest(Root);
        writer.WriteInt32(Nodes.Count);
        foreach (var item in Nodes)
        {
            writer.WriteInt32(item);
        }
        writer.WriteInt32(Objects.Count);
        foreach (var item in Objects)
        {
            writer.WriteInt32(item);
        }
    }

    internal static StateRequest ReadBody(ref WireReader reader)
    {
        var root = reader.ReadDigest();
        var nodes = new int[reader.ReadCount(4)];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = reader.ReadInt32();
        }

        var objects = new int[reader.ReadCount(4)];
        for (var i = 0; i < objects.Length; i++)
        {
            objects[i] = reader.ReadInt32();
        }
        return new StateRequest(root, nodes, objects);
    }
}
