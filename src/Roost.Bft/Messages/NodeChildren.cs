namespace Roost.Bft.Messages;

/// <summary>The two children of Merkle node <see cref="Node"/> (heap numbering: root 1, children 2n and 2n+1).</summary>
public readonly record struct NodeChildren(int Node, Digest Left, Digest Right)
{
    internal void Write(WireWriter writer)
    {
        writer.WriteInt32(Node);
        writer.WriteDigest(Left);
        writer.WriteDigest(Right);
    }

    internal static NodeChildren Read(ref WireReader reader) => new(reader.ReadInt32(), reader.ReadDigest(), reader.ReadDigest());
}
