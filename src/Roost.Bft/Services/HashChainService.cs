using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Roost.Bft.Services;

/// <summary>
/// A CPU-bound service whose state size is chosen: <c>objects</c> objects of <c>objectBytes</c> bytes each. A request
/// names one object and a cost: it extends that object's hash chain by <c>work</c> SHA-256 rounds (seeded with the
/// object and the request), stores the new head in the object's first 32 bytes and returns it. The cost per request
/// is the client's choice, the state the deployment's; the real-process experiments of ZZ use it.
/// Operation: object index (4 bytes LE), work (4), salt (8).
/// </summary>
public sealed class HashChainService : IReplicatedService
{
    public const int MaxObjects = 1 << 20;
    public const int MinObjectBytes = 32;
    public const int MaxObjectBytes = 1 << 20;

    /// <summary>Most SHA-256 rounds one request may ask for (bounds the CPU a request costs).</summary>
    public const int MaxWork = 1_000_000;

    private const int OperationBytes = 16;

    private readonly int _objectBytes;

    public HashChainService(int objects, int objectBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(objects, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objects, MaxObjects);
        ArgumentOutOfRangeException.ThrowIfLessThan(objectBytes, MinObjectBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(objectBytes, MaxObjectBytes);
        ObjectCount = objects;
        _objectBytes = objectBytes;
    }

    public int ObjectCount { get; }

    public static byte[] Encode(int item, int work, long salt)
    {
        var bytes = new byte[OperationBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, item);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), work);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), salt);
        return bytes;
    }

    /// <summary>Every object starts as its index followed by zeros.</summary>
    public byte[] InitialObject(int index)
    {
        var bytes = new byte[_objectBytes];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, index);
        return bytes;
    }

    public void AddTouchedObjects(ReadOnlySpan<byte> operation, ICollection<int> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (TryDecode(operation, out var item, out _))
        {
            objects.Add(item);
        }
    }

    public byte[] Execute(ReadOnlySpan<byte> operation, IStateObjects state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!TryDecode(operation, out var item, out var work))
        {
            return [0xFF];
        }

        var current = state.Read(item);
        Span<byte> head = stackalloc byte[32];
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            hash.AppendData(current);
            hash.AppendData(operation);
            hash.GetHashAndReset(head);
        }

        for (var i = 0; i < work; i++)
        {
            SHA256.HashData(head, head);
        }

        var next = current.Length == _objectBytes ? current.ToArray() : new byte[_objectBytes];
        head.CopyTo(next);
        state.Write(item, next);
        return head.ToArray();
    }

    private bool TryDecode(ReadOnlySpan<byte> operation, out int item, out int work)
    {
        item = work = 0;
        if (operation.Length != OperationBytes)
        {
            return false;
        }

        item = BinaryPrimitives.ReadInt32LittleEndian(operation);
        work = BinaryPrimitives.ReadInt32LittleEndian(operation[4..]);
        return item >= 0 && item < ObjectCount && work is >= 0 and <= MaxWork;
    }
}
