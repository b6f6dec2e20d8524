namespace Roost.Bft.Messages;

/// <summary>The primary assigns <see cref="Sequence"/> to a batch in <see cref="View"/> (PBFT pre-prepare; the batch travels with it).</summary>
public sealed record PrePrepare(long View, long Sequence, Batch Batch) : Message
{
    internal override MessageType Type => MessageType.PrePrepare;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(View);
        writer.WriteInt64(Sequence);
        Batch.Write(writer);
    }

    internal static PrePrepare ReadBody(ref WireReader reader)
    {
        var view = reader.ReadInt64();
        var sequence = reader.ReadInt64();
        var batch = Batch.Read(ref reader);
        return new PrePrepare(view, sequence, batch);
    }
}
