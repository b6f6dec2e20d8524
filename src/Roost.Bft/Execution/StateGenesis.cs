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

    /// <summary>The empty image (<see cref="Empty"/>) of <paramref name="service"/>'s state, without building its data first.</summary>
    public static StateGenesis EmptyFor(IReplicatedService service, BftOptions options) => Empty(ObjectsOf(service, options));

    public static StateGenesis For(IReplicatedService service, BftOptions options)
    {
        var objects = new byte[ObjectsOf(service, options)][];
        for (var i = 0; i < objects.Length; i++)
        {
            objects[i] = i < service.ObjectCount ? service.InitialObject(i) : [];
        }

        return new StateGenesis(objects, MerkleTree.Build(objects));
    }

    /// <summary>The service's objects and the reply-cache objects after them.</summary>
    private static int ObjectsOf(IReplicatedService service, BftOptions options)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(options);
        return service.ObjectCount + options.ReplyCacheObjects;
    }
}
