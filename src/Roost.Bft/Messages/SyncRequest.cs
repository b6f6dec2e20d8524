namespace Roost.Bft.Messages;

/// <summary>An execution replica asks an agreement replica for the order from <see cref="From"/> on (and the batches, if <see cref="WithContent"/>).</summary>
public sealed record SyncRequest(long From, bool WithContent) : Message
{
    internal override MessageType Type => MessageType.SyncRequest;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(From);
        writer.WriteBool(WithContent);
    }

    internal static SyncRequest ReadBody(ref WireReader reader)
    {
        var from = reader.ReadInt64();
        var withContent = reader.ReadBool();
        return new SyncRequest(from, withContent);
    }
}
