namespace Roost.Bft.Messages;

/// <summary>An execution replica's result for a client's request; the client accepts f+1 matching.</summary>
public sealed record Reply(int Client, long Timestamp, long View, byte[] Result) : Message
{
    internal override MessageType Type => MessageType.Reply;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt32(Client);
        writer.WriteInt64(Timestamp);
        writer.WriteInt64(View);
        writer.WriteBytes(Result);
    }

    internal static Reply ReadBody(ref WireReader reader)
    {
        var client = reader.ReadInt32();
        var timestamp = reader.ReadInt64();
        var view = reader.ReadInt64();
        var result = reader.ReadBytes();
        return new Reply(client, timestamp, view, result);
    }
}
