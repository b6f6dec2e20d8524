namespace Roost.Bft.Messages;

/// <summary>One state object's bytes, as sent in a state transfer.</summary>
public sealed record ObjectContent(int Index, byte[] Content)
{
    internal void Write(WireWriter writer)
    {
        writer.WriteInt32(Index);
        writer.WriteBytes(Content);
    }

    internal static ObjectContent Read(ref WireReader reader)
    {
        var index = reader.ReadInt32();
        var content = reader.ReadBytes();
        return new ObjectContent(index, content);
    }
}
