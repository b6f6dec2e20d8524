using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Roost.Bft.Services;

/// <summary>
/// A small auction site with CPU-bound requests, standing in for ZZ's web applications: each request reads (and a bid
/// updates) one item, then "renders a page" by hashing the item and request <c>work</c> times with SHA-256, so the cost
/// per request is set by the client. Item object: highest bid (8 bytes), bidder (4), number of bids (4).
/// </summary>
public sealed class WebApplicationService : IReplicatedService
{
    public const byte View = 1;
    public const byte Bid = 2;

    /// <summary>Most SHA-256 rounds one request may ask for (bounds the CPU a request costs).</summary>
    public const int MaxWork = 1_000_000;

    public WebApplicationService(int items = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1);
        ObjectCount = items;
    }

    public int ObjectCount { get; }

    public static byte[] Encode(byte kind, int item, int user, long amount, int work)
    {
        var bytes = new byte[21];
        bytes[0] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), item);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(5), user);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(9), amount);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(17), work);
        return bytes;
    }

    public byte[] InitialObject(int index) => new byte[16];

    public void AddTouchedObjects(ReadOnlySpan<byte> operation, ICollection<int> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (TryDecode(operation, out _, out var item, out _, out _, out _))
        {
            objects.Add(item);
        }
    }

    public byte[] Execute(ReadOnlySpan<byte> operation, IStateObjects state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!TryDecode(operation, out var kind, out var item, out var user, out var amount, out var work))
        {
            return [0xFF];
        }

        var current = state.Read(item);
        var record = current.Length == 16 ? current.ToArray() : new byte[16];
        if (kind == Bid && amount > BinaryPrimitives.ReadInt64LittleEndian(record))
        {
            BinaryPrimitives.WriteInt64LittleEndian(record, amount);
            BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(8), user);
            BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(12), BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(12)) + 1);
            state.Write(item, record);
        }

        Span<byte> page = stackalloc byte[32];
        SHA256.HashData([.. record, .. operation], page);
        for (var i = 0; i < work; i++)
        {
            SHA256.HashData(page, page);
        }

        return [.. record, .. page];
    }

    private bool TryDecode(ReadOnlySpan<byte> operation, out byte kind, out int item, out int user, out long amount, out int work)
    {
        kind = 0;
        item = user = work = 0;
        amount = 0;
        if (operation.Length != 21 || operation[0] is not (View or Bid))
        {
            return false;
        }

        kind = operation[0];
        item = BinaryPrimitives.ReadInt32LittleEndian(operation[1..]);
        user = BinaryPrimitives.ReadInt32LittleEndian(operation[5..]);
        amount = BinaryPrimitives.ReadInt64LittleEndian(operation[9..]);
        work = BinaryPrimitives.ReadInt32LittleEndian(operation[17..]);
        return item >= 0 && item < ObjectCount && work is >= 0 and <= MaxWork;
    }
}
