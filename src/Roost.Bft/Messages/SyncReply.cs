namespace Roost.Bft.Messages;

/// <summary>Answer to <see cref="SyncRequest"/>: the sender's stable and certified checkpoints and the committed log it still holds.</summary>
public sealed record SyncReply(long StableSequence, IReadOnlyList<CheckpointEntry> Certified, long LastCommitted, IReadOnlyList<LogEntry> Entries) : Message
{
    internal override MessageType Type => MessageType.SyncReply;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(StableSequence);
        writer.WriteInt32(Certified.Count);
        foreach (var item in Certified)
        {
            item.Write(writer);
        }
        writer.WriteInt64(LastCommitted);
        writer.WriteInt32(Entries.Count);
        foreach (var item in Entries)
        {
            item.Write(writer);
        }
    }

    internal static SyncReply ReadBody(ref WireReader reader)
    {
        var stableSequence = reader.ReadInt64();
        var certified = new CheckpointEntry[reader.ReadCount(40)];
        for (var i = 0; i < certified.Length; i++)
        {
            certified[i] = CheckpointEntry.Read(ref reader);
        }

        var lastCommitted = reader.ReadInt64();
        var entries = new LogEntry[reader.ReadCount(41)];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = LogEntry.Read(ref reader);
        }
        return new SyncReply(stableSequence, certified, lastCommitted, entries);
    }
}
