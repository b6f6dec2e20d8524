namespace Roost.Bft.Messages;

/// <summary>A client retransmitted a request that is already ordered: execution replicas resend their cached reply.</summary>
public sealed record ResendReply(int Client, long Timestamp) : Message
{
    internal override MessageType Type => MessageType.ResendReply;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt32(Client);
        writer.WriteInt64(Timestamp);
    }

    internal static ResendReply ReadBody(ref WireReader reader)
    {
        var client = reader.ReadInt32();
        var timestamp = reader.ReadInt64();
        return new ResendReply(client, timestamp);
    }
}
