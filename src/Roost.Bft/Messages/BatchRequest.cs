namespace Roost.Bft.Messages;

/// <summary>Asks for the batch with this digest ordered at this sequence number.</summary>
public sealed record BatchRequest(long Sequence, Digest Digest) : Message
{
    internal override MessageType Type => MessageType.BatchRequest;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(Sequence);
        writer.WriteDigest(Digest);
    }

    internal static BatchRequest ReadBody(ref WireReader reader)
    {
        var sequence = reader.ReadInt64();
        var digest = reader.ReadDigest();
        return new BatchRequest(sequence, digest);
    }
}
