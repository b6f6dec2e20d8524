using Roost.Bft.Services;

namespace Roost.Bft.Execution;

/// <summary>
/// The initial state every execution replica starts from (and a retired one is recreated with): the service's
/// initial objects, empty reply-cache objects and their Merkle tree. Computed once per deployment and shared;
/// replicas copy the object array and clone the tree, and never mutate the arrays themselves.
/// </summary>
public sealed class StateGenesis
{
    private StateGenesis(byte[][] objects, MerkleTree tree)
    {
        Objects = objects;
        Tree = tree;
    }

    internal byte[][] Objects { get; }

    internal MerkleTree Tree { get; }

    public Digest Root => Tree.Root;

    public int ObjectCount => Objects.Length;

    /// <summary>An image with every object empty: a replica recreated without any of the service's data.</summary>
    public static StateGenesis Empty(int objects)
    {
        var empty = new byte[objects][];
        Array.Fill(empty, []);
        return new StateGenesis(empty, MerkleTree.Build(empty));
    }

    public static StateGenesis For(IReplicatedService service, BftOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        var objects = new byte[service.ObjectCount + options.ReplyCacheObjects][];
        for (var i = 0; i < objects.Length; i++)
        {
            objects[i] = i < service.ObjectCount ? service.InitialObject(i) : [];
        }

        return new StateGenesis(objects, MerkleTree.Build(objects));
    }
}
