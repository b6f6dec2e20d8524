using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Roost.Bft.Execution;

/// <summary>
/// A binary Merkle tree over the state objects, in heap numbering (root 1, children of n are 2n and 2n+1, leaf k at
/// Capacity + k). Leaf = SHA-256(0 ‖ k ‖ content), inner node = SHA-256(1 ‖ left ‖ right), padding leaves a constant.
/// A tree may be partial: during state transfer only the nodes verified so far are known, and the set of known nodes
/// is closed under parent and sibling, so any known leaf can be re-hashed up to the root.
/// </summary>
public sealed class MerkleTree
{
    private static readonly Digest _paddingLeaf = Digest.Of([2]);
    private readonly Digest[] _nodes;
    private readonly bool[]? _known;
    private readonly SortedSet<int> _dirty = [];

    private MerkleTree(int leaves, Digest[] nodes, bool[]? known)
    {
        Leaves = leaves;
        Capacity = nodes.Length / 2;
        _nodes = nodes;
        _known = known;
    }

    /// <summary>Real leaves (objects); the rest up to <see cref="Capacity"/> are padding.</summary>
    public int Leaves { get; }

    /// <summary>Leaf slots: the smallest power of two holding <see cref="Leaves"/> (at least 2).</summary>
    public int Capacity { get; }

    public Digest Root => _nodes[1];

    /// <summary>True when every node is known (not a partial tree).</summary>
    public bool IsComplete => _known is null;

    public static int CapacityFor(int leaves)
    {
        var capacity = 2;
        while (capacity < leaves)
        {
            capacity *= 2;
        }

        return capacity;
    }

    public static MerkleTree Build(IReadOnlyList<byte[]> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var capacity = CapacityFor(objects.Count);
        var nodes = new Digest[2 * capacity];
        for (var k = 0; k < capacity; k++)
        {
            nodes[capacity + k] = k < objects.Count ? LeafHash(k, objects[k]) : _paddingLeaf;
        }

        for (var i = capacity - 1; i >= 1; i--)
        {
            nodes[i] = InnerHash(nodes[2 * i], nodes[2 * i + 1]);
        }

        return new MerkleTree(objects.Count, nodes, null);
    }

    /// <summary>A tree of which only the root is known: the target of a state transfer.</summary>
    public static MerkleTree Partial(int leaves, Digest root)
    {
        var capacity = CapacityFor(leaves);
        var nodes = new Digest[2 * capacity];
        var known = new bool[2 * capacity];
        nodes[1] = root;
        known[1] = true;
        for (var k = leaves; k < capacity; k++)
        {
            nodes[capacity + k] = _paddingLeaf;
            known[capacity + k] = true;
        }

        return new MerkleTree(leaves, nodes, known);
    }

    public static Digest LeafHash(int index, ReadOnlySpan<byte> content)
    {
        var length = 5 + content.Length;
        var rented = length > 1024 ? ArrayPool<byte>.Shared.Rent(length) : null;
        var buffer = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
        buffer[0] = 0;
        BinaryPrimitives.WriteInt32LittleEndian(buffer[1..], index);
        content.CopyTo(buffer[5..]);
        var digest = Digest.Of(buffer);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return digest;
    }

    public static Digest InnerHash(Digest left, Digest right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Digest.Size];
        buffer[0] = 1;
        left.Write(buffer[1..]);
        right.Write(buffer[(1 + Digest.Size)..]);
        return Digest.Of(buffer);
    }

    public MerkleTree Clone() => new(Leaves, (Digest[])_nodes.Clone(), (bool[]?)_known?.Clone());

    /// <summary>This tree as a complete one; every node must be known.</summary>
    public MerkleTree Completed()
    {
        Debug.Assert(_known is null || _known.Skip(1).All(k => k), "completing a tree with unknown nodes");
        return new MerkleTree(Leaves, _nodes, null);
    }

    public bool IsKnown(int node) => _known is null || _known[node];

    public Digest Node(int node) => _nodes[node];

    public int LeafNode(int index) => Capacity + index;

    public Digest Leaf(int index) => _nodes[Capacity + index];

    public bool IsLeafKnown(int index) => IsKnown(Capacity + index);

    /// <summary>Sets a leaf's digest; ancestors are brought up to date by <see cref="Recompute"/>.</summary>
    public void SetLeaf(int index, Digest leaf)
    {
        var node = Capacity + index;
        _nodes[node] = leaf;
        MarkKnown(node);
        _dirty.Add(node);
    }

    /// <summary>Re-hashes the ancestors of leaves set since the last call. Every sibling on their paths must be known.</summary>
    public void Recompute()
    {
        var level = new SortedSet<int>();
        foreach (var node in _dirty)
        {
            level.Add(node / 2);
        }

        _dirty.Clear();
        while (level.Count > 0)
        {
            var next = new SortedSet<int>();
            foreach (var parent in level)
            {
                Debug.Assert(IsKnown(2 * parent) && IsKnown(2 * parent + 1), "a sibling on a dirty path is unknown");
                _nodes[parent] = InnerHash(_nodes[2 * parent], _nodes[2 * parent + 1]);
                MarkKnown(parent);
                if (parent > 1)
                {
                    next.Add(parent / 2);
                }
            }

            level = next;
        }
    }

    /// <summary>
    /// Accepts the children of a known node if they hash to it (state transfer verification, top down).
    /// Returns false, changing nothing, if the node is unknown or the children do not match.
    /// </summary>
    public bool TryAcceptChildren(int node, Digest left, Digest right)
    {
        if (node < 1 || node >= Capacity || !IsKnown(node) || InnerHash(left, right) != _nodes[node])
        {
            return false;
        }

        Set(2 * node, left);
        Set(2 * node + 1, right);
        return true;
    }

    /// <summary>Copies a node's value from another tree of the same shape if this tree does not know it yet.</summary>
    public void CopyIfUnknown(MerkleTree source, int node)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!IsKnown(node) && source.IsKnown(node))
        {
            Set(node, source._nodes[node]);
        }
    }

    /// <summary>The inner nodes from the root down to the parent of leaf <paramref name="index"/>.</summary>
    public IEnumerable<int> PathTo(int index)
    {
        var node = Capacity + index;
        var path = new List<int>();
        for (var n = node / 2; n >= 1; n /= 2)
        {
            path.Add(n);
        }

        path.Reverse();
        return path;
    }

    private void Set(int node, Digest value)
    {
        _nodes[node] = value;
        MarkKnown(node);
    }

    private void MarkKnown(int node)
    {
        if (_known is not null)
        {
            _known[node] = true;
        }
    }
}
