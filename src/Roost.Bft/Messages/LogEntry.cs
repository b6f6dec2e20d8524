namespace Roost.Bft.Messages;

/// <summary>A committed slot of an agreement replica's log, with its batch when asked for.</summary>
public sealed record LogEntry(long Sequence, Digest Digest, Batch? Batch)
{
    internal void Write(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Digest);
        writer.WriteBool(Batch is not null);
        Batch?.Write(writer);
    }

    internal static LogEntry Read(ref WireReader reader)
    {
        var sequence = reader.ReadInt64();
        var digest = reader.ReadDigest();
        var batch = reader.ReadBool() ? Batch.Read(ref reader) : null;
        return new LogEntry(sequence, digest, batch);
    }
}
