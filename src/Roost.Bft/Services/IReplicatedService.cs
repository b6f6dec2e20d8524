namespace Roost.Bft.Services;

/// <summary>
/// A deterministic service replicated by the execution replicas. Its state is a fixed array of objects (byte
/// strings) owned by the replica, which digests them into a Merkle tree for checkpoints, fetches them on demand
/// during state transfer and audits them for silent corruption. Objects are immutable arrays: a write replaces one.
/// </summary>
public interface IReplicatedService
{
    /// <summary>Objects of the service's state; fixed for the life of a deployment.</summary>
    int ObjectCount { get; }

    /// <summary>The object's content in the initial state (every replica starts from the same).</summary>
    byte[] InitialObject(int index);

    /// <summary>
    /// The objects <paramref name="operation"/> may read or write, added to <paramref name="objects"/>. A deterministic
    /// function of the operation: a replica fetches these before executing it. A malformed operation touches none.
    /// </summary>
    void AddTouchedObjects(ReadOnlySpan<byte> operation, ICollection<int> objects);

    /// <summary>Executes the operation, reading and writing only the objects it declared. Never throws on bad bytes: returns an error result.</summary>
    byte[] Execute(ReadOnlySpan<byte> operation, IStateObjects state);
}
