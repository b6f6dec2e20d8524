using System.Buffers.Binary;
using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Execution;

/// <summary>
/// Executes ordered requests against a <see cref="StateStore"/> with exactly-once semantics: each client's last
/// timestamp and reply live in a reply-cache object (client mod <see cref="BftOptions.ReplyCacheObjects"/>, after the
/// service's objects), so the cache is part of the checkpointed, transferred and audited state. One implementation for
/// the execution replicas and the simulator's reference execution.
/// </summary>
internal sealed class RequestExecutor
{
    private readonly IReplicatedService _service;
    private readonly int _cacheObjects;

    public RequestExecutor(IReplicatedService service, int cacheObjects)
    {
        _service = service;
        _cacheObjects = cacheObjects;
    }

    public int ObjectCount => _service.ObjectCount + _cacheObjects;

    public IReplicatedService Service => _service;

    public int CacheObjectOf(int client) => _service.ObjectCount + (int)((uint)client % (uint)_cacheObjects);

    /// <summary>The objects a request touches: the service's declaration plus the client's reply-cache object.</summary>
    public HashSet<int> Touched(ClientRequest request)
    {
        var touched = new HashSet<int>();
        _service.AddTouchedObjects(request.Operation, touched);
        touched.RemoveWhere(i => i < 0 || i >= _service.ObjectCount);
        touched.Add(CacheObjectOf(request.Client));
        return touched;
    }

    /// <summary>
    /// Executes the request if it is the client's next (timestamp above the cached one). Returns the reply to send:
    /// the new one, the cached one for a duplicate of the last request, or null for an older duplicate.
    /// </summary>
    public byte[]? Execute(StateStore store, ClientRequest request, HashSet<int> touched)
    {
        var cacheObject = CacheObjectOf(request.Client);
        var (lastTimestamp, lastReply) = ReadCache(store.Get(cacheObject), request.Client);
        if (request.Timestamp < lastTimestamp)
        {
            return null;
        }

        if (request.Timestamp == lastTimestamp)
        {
            return lastReply;
        }

        store.Allow(touched);
        byte[] reply;
        try
        {
            reply = _service.Execute(request.Operation, store);
        }
        finally
        {
            store.Allow(null);
        }

        store.Write(cacheObject, WriteCache(store.Get(cacheObject), request.Client, request.Timestamp, reply));
        return reply;
    }

    /// <summary>The client's last executed request (its timestamp, 0 for none) and the reply to it, from the reply cache.</summary>
    public (long Timestamp, byte[]? Reply) LastReply(StateStore store, int client) => ReadCache(store.Get(CacheObjectOf(client)), client);

    private static (long Timestamp, byte[]? Reply) ReadCache(ReadOnlySpan<byte> bytes, int client)
    {
        var at = 0;
        while (at + 16 <= bytes.Length)
        {
            var id = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            var timestamp = BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 4)..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 12)..]);
            if (length < 0 || at + 16 + length > bytes.Length)
            {
                break;
            }

            if (id == client)
            {
                return (timestamp, bytes.Slice(at + 16, length).ToArray());
            }

            at += 16 + length;
        }

        return (0, null);
    }

    /// <summary>Rewrites the cache object with the client's entry replaced; entries stay sorted by client.</summary>
    private static byte[] WriteCache(ReadOnlySpan<byte> bytes, int client, long timestamp, byte[] reply)
    {
        var entries = new List<(int Client, long Timestamp, byte[] Reply)>();
        var at = 0;
        while (at + 16 <= bytes.Length)
        {
            var id = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            var ts = BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 4)..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 12)..]);
            if (length < 0 || at + 16 + length > bytes.Length)
            {
                break;
            }

            if (id != client)
            {
                entries.Add((id, ts, bytes.Slice(at + 16, length).ToArray()));
            }

            at += 16 + length;
        }

        entries.Add((client, timestamp, reply));
        entries.Sort((a, b) => a.Client.CompareTo(b.Client));
        var size = 0;
        foreach (var entry in entries)
        {
            size += 16 + entry.Reply.Length;
        }

        var result = new byte[size];
        at = 0;
        foreach (var (id, ts, r) in entries)
        {
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(at), id);
            BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(at + 4), ts);
            BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(at + 12), r.Length);
            r.CopyTo(result, at + 16);
            at += 16 + r.Length;
        }

        return result;
    }
}
