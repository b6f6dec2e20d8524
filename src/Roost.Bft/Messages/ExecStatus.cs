namespace Roost.Bft.Messages;

/// <summary>An execution replica's answer to a control message for another generation: its generation and whether it is awake.</summary>
public sealed record ExecStatus(int Generation, bool Awake) : Message
{
    internal override MessageType Type => MessageType.ExecStatus;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt32(Generation);
        writer.WriteBool(Awake);
    }

    internal static ExecStatus ReadBody(ref WireReader reader)
    {
        var generation = reader.ReadInt32();
        var awake = reader.ReadBool();
        return new ExecStatus(generation, awake);
    }
}
