namespace Roost.Bft.Execution;

/// <summary>
/// An execution replica's state at a checkpoint: the object references (objects are immutable, so this is a
/// copy-on-write image) and the Merkle tree. Kept to answer state transfers; pinned while peers fetch from it.
/// </summary>
internal sealed class Snapshot
{
    public Snapshot(long sequence, byte[][] objects, MerkleTree tree)
    {
        Sequence = sequence;
        Objects = objects;
        Tree = tree;
    }

    public long Sequence { get; }

    public byte[][] Objects { get; }

    public MerkleTree Tree { get; set; }

    public Digest Root => Tree.Root;

    /// <summary>Tick of the last state request served from this snapshot.</summary>
    public long LastRequested { get; set; } = -1;
}
