namespace Roost.Bft.Messages;

/// <summary>An agreement replica committed <see cref="Digest"/> at <see cref="Sequence"/>; an execution replica executes once f+1 agree. The batch is attached by one replica per sequence number. Also carries the sender's latest certified execution checkpoint.</summary>
public sealed record Ordered(long View, long Sequence, Digest Digest, Batch? Batch, long CertifiedSequence, Digest CertifiedState) : Message
{
    internal override MessageType Type => MessageType.Ordered;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(View);
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Digest);
        writer.WriteBool(Batch is not null);
        Batch?.Write(writer);
        writer.WriteInt64(CertifiedSequence);
        writer.WriteDigest(CertifiedState);
    }

    internal static Ordered ReadBody(ref WireReader reader)
    {
        var view = reader.ReadInt64();
        var sequence = reader.ReadInt64();
        var digest = reader.ReadDigest();
        var batch = reader.ReadBool() ? Batch.Read(ref reader) : null;
        var certifiedSequence = reader.ReadInt64();
        var certifiedState = reader.ReadDigest();
        return new Ordered(view, sequence, digest, batch, certifiedSequence, certifiedState);
    }
}
