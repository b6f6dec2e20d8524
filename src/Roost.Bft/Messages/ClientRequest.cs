using System.Buffers.Binary;

namespace Roost.Bft.Messages;

/// <summary>
/// One operation a client asks the service to execute. <see cref="Timestamp"/> grows by one per request of a client
/// (exactly-once execution keys on it). <see cref="Blame"/> is a bit mask of the execution replicas whose reply to the
/// client's previous request disagreed with the f+1 it accepted: a hint the ZZ controller reads from the committed log.
/// <see cref="Authenticator"/> holds one MAC per agreement replica, so a primary cannot forge or alter requests.
/// </summary>
public sealed class ClientRequest
{
    public ClientRequest(int client, long timestamp, byte[] operation, ulong blame, byte[] authenticator)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(authenticator);
        Client = client;
        Timestamp = timestamp;
        Operation = operation;
        Blame = blame;
        Authenticator = authenticator;
        Span<byte> head = stackalloc byte[20];
        BinaryPrimitives.WriteInt32LittleEndian(head, client);
        BinaryPrimitives.WriteInt64LittleEndian(head[4..], timestamp);
        BinaryPrimitives.WriteUInt64LittleEndian(head[12..], blame);
        var buffer = operation.Length <= 480 ? stackalloc byte[20 + operation.Length] : new byte[20 + operation.Length];
        head.CopyTo(buffer);
        operation.CopyTo(buffer[20..]);
        Digest = Digest.Of(buffer);
    }

    public int Client { get; }

    public long Timestamp { get; }

    public byte[] Operation { get; }

    public ulong Blame { get; }

    public byte[] Authenticator { get; }

    /// <summary>SHA-256 of client, timestamp, blame and operation (not the authenticator).</summary>
    public Digest Digest { get; }

    public override string ToString() => $"c{Client}#{Timestamp}";

    internal void Write(WireWriter writer)
    {
        writer.WriteInt32(Client);
        writer.WriteInt64(Timestamp);
        writer.WriteUInt64(Blame);
        writer.WriteBytes(Operation);
        writer.WriteBytes(Authenticator);
    }

    internal static ClientRequest Read(ref WireReader reader)
    {
        var client = reader.ReadInt32();
        var timestamp = reader.ReadInt64();
        var blame = reader.ReadUInt64();
        var operation = reader.ReadBytes();
        var authenticator = reader.ReadBytes();
        return new ClientRequest(client, timestamp, operation, blame, authenticator);
    }
}
