namespace Roost.Bft.Messages;

/// <summary>The ZZ controller tells an execution replica to wake, sleep or retire; it acts on f+1 matching ones for its current generation.</summary>
public sealed record Control(ControlKind Kind, int Generation) : Message
{
    internal override MessageType Type => MessageType.Control;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteByte((byte)Kind);
        writer.WriteInt32(Generation);
    }

    internal static Control ReadBody(ref WireReader reader)
    {
        var code = reader.ReadByte();
        var kind = code <= (byte)ControlKind.Probe ? (ControlKind)code : throw new WireFormatException($"control kind {code} is unknown");
        var generation = reader.ReadInt32();
        return new Control(kind, generation);
    }
}
