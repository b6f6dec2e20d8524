namespace Roost.Bft.Messages;

/// <summary>An execution replica executed the batch at <see cref="Sequence"/>; <see cref="Replies"/> digests its replies (ZZ controller input).</summary>
public sealed record ExecReport(long Sequence, Digest Replies, int Generation) : Message
{
    internal override MessageType Type => MessageType.ExecReport;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Replies);
        writer.WriteInt32(Generation);
    }

    internal static ExecReport ReadBody(ref WireReader reader)
    {
        var sequence = reader.ReadInt64();
        var replies = reader.ReadDigest();
        var generation = reader.ReadInt32();
        return new ExecReport(sequence, replies, generation);
    }
}
