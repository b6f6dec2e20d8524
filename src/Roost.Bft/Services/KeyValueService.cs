using System.Buffers.Binary;

namespace Roost.Bft.Services;

/// <summary>
/// A replicated key-value store: keys hash (FNV-1a) to buckets, one bucket per object, each bucket a sorted list of
/// entries. Get returns the value, Put the previous value, Append the new value. An optional preload fills every
/// bucket with deterministic filler so experiments can run with a large state (e.g. 100,000 objects of 4 KiB).
/// </summary>
public sealed class KeyValueService : IReplicatedService
{
    private readonly int _preloadBytes;

    public KeyValueService(int buckets = 64, int preloadBytesPerObject = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(preloadBytesPerObject);
        ObjectCount = buckets;
        _preloadBytes = preloadBytesPerObject;
    }

    public int ObjectCount { get; }

    public byte[] InitialObject(int index)
    {
        if (_preloadBytes == 0)
        {
            return [];
        }

        // One filler entry under a key no client uses ("\0" + index), so the bucket format stays uniform.
        var key = new byte[5];
        BinaryPrimitives.WriteInt32LittleEndian(key.AsSpan(1), index);
        var value = new byte[Math.Max(0, _preloadBytes - 17)];
        var x = unchecked(((uint)index * 2654435761u) + 1);
        for (var i = 0; i < value.Length; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            value[i] = unchecked((byte)x);
        }

        return WriteBucket([(key, value)]);
    }

    public int BucketOf(ReadOnlySpan<byte> key)
    {
        var hash = 2166136261u;
        foreach (var b in key)
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)ObjectCount);
    }

    public void AddTouchedObjects(ReadOnlySpan<byte> operation, ICollection<int> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (KeyValueOperation.TryDecode(operation, out _, out var key, out _))
        {
            objects.Add(BucketOf(key));
        }
    }

    public byte[] Execute(ReadOnlySpan<byte> operation, IStateObjects state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!KeyValueOperation.TryDecode(operation, out var kind, out var key, out var value))
        {
            return [0xFF];
        }

        var bucket = BucketOf(key);
        var entries = ReadBucket(state.Read(bucket));
        var index = -1;
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].Key.AsSpan().SequenceEqual(key))
            {
                index = i;
                break;
            }
        }

        var found = index >= 0;
        var old = found ? entries[index].Value : [];
        switch (kind)
        {
            case KeyValueOperation.Get:
                return KeyValueOperation.Result(found, old);
            case KeyValueOperation.Put:
                Store(entries, index, key, value.ToArray());
                state.Write(bucket, WriteBucket(entries));
                return KeyValueOperation.Result(found, old);
            default:
                var appended = new byte[old.Length + value.Length];
                old.CopyTo(appended, 0);
                value.CopyTo(appended.AsSpan(old.Length));
                Store(entries, index, key, appended);
                state.Write(bucket, WriteBucket(entries));
                return KeyValueOperation.Result(true, appended);
        }
    }

    private static void Store(List<(byte[] Key, byte[] Value)> entries, int index, ReadOnlySpan<byte> key, byte[] value)
    {
        if (index >= 0)
        {
            entries[index] = (entries[index].Key, value);
            return;
        }

        var k = key.ToArray();
        var at = 0;
        while (at < entries.Count && entries[at].Key.AsSpan().SequenceCompareTo(k) < 0)
        {
            at++;
        }

        entries.Insert(at, (k, value));
    }

    /// <summary>Parses a bucket; bytes that are not one (only possible after corruption) read as the entries up to the damage.</summary>
    private static List<(byte[] Key, byte[] Value)> ReadBucket(ReadOnlySpan<byte> bytes)
    {
        var entries = new List<(byte[], byte[])>();
        var at = 0;
        while (at + 8 <= bytes.Length)
        {
            var keyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            if (keyLength < 0 || at + 4 + keyLength + 4 > bytes.Length)
            {
                break;
            }

            var key = bytes.Slice(at + 4, keyLength).ToArray();
            at += 4 + keyLength;
            var valueLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            if (valueLength < 0 || at + 4 + valueLength > bytes.Length)
            {
                break;
            }

            entries.Add((key, bytes.Slice(at + 4, valueLength).ToArray()));
            at += 4 + valueLength;
        }

        return entries;
    }

    private static byte[] WriteBucket(List<(byte[] Key, byte[] Value)> entries)
    {
        var size = 0;
        foreach (var (key, value) in entries)
        {
            size += 8 + key.Length + value.Length;
        }

        var bytes = new byte[size];
        var at = 0;
        foreach (var (key, value) in entries)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), key.Length);
            key.CopyTo(bytes, at + 4);
            at += 4 + key.Length;
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value.Length);
            value.CopyTo(bytes, at + 4);
            at += 4 + value.Length;
        }

        return bytes;
    }
}
