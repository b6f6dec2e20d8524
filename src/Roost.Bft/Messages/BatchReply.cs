namespace Roost.Bft.Messages;

/// <summary>A batch asked for with <see cref="BatchRequest"/>; the receiver checks its digest.</summary>
public sealed record BatchReply(long Sequence, Batch Batch) : Message
{
    internal override MessageType Type => MessageType.BatchReply;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        Batch.Write(writer);
    }

    internal static BatchReply ReadBody(ref WireReader reader)
    {
        var sequence = reader.ReadInt64();
        var batch = Batch.Read(ref reader);
        return new BatchReply(sequence, batch);
    }
}
