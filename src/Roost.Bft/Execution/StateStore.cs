using Roost.Bft.Services;

namespace Roost.Bft.Execution;

/// <summary>
/// The objects of an execution replica's state (the service's, then the reply cache's), with the set written since
/// the last checkpoint. During execution only the objects the request declared may be touched (a broken declaration
/// is a bug in the service and throws).
/// </summary>
internal sealed class StateStore : IStateObjects
{
    private readonly byte[][] _objects;
    private readonly SortedSet<int> _dirty = [];
    private HashSet<int>? _allowed;

    public StateStore(byte[][] objects)
    {
        _objects = objects;
    }

    public int Count => _objects.Length;

    public IReadOnlySet<int> Dirty => _dirty;

    public byte[] Get(int index) => _objects[index];

    public ReadOnlySpan<byte> Read(int index)
    {
        Check(index);
        return _objects[index];
    }

    public void Write(int index, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Check(index);
        _objects[index] = content;
        _dirty.Add(index);
    }

    /// <summary>Installs an object outside execution (state transfer, repair); not marked dirty.</summary>
    public void Install(int index, byte[] content) => _objects[index] = content;

    /// <summary>Replaces an object's bytes behind the replica's back (the simulator's silent corruption).</summary>
    public void CorruptForTesting(int index, byte[] content) => _objects[index] = content;

    public void ClearDirty() => _dirty.Clear();

    public byte[][] Snapshot() => (byte[][])_objects.Clone();

    public void Restore(byte[][] snapshot) => Array.Copy(snapshot, _objects, _objects.Length);

    public void Allow(HashSet<int>? allowed) => _allowed = allowed;

    private void Check(int index)
    {
        if (_allowed is not null && !_allowed.Contains(index))
        {
            throw new InvalidOperationException($"the service touched object {index}, which the operation did not declare");
        }
    }
}
