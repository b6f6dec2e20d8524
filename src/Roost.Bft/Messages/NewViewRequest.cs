namespace Roost.Bft.Messages;

/// <summary>Asks the primary of <see cref="View"/> to resend its new-view message (the sender missed it).</summary>
public sealed record NewViewRequest(long View) : Message
{
    internal override MessageType Type => MessageType.NewViewRequest;

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(View);
    }

    internal static NewViewRequest ReadBody(ref WireReader reader)
    {
        var view = reader.ReadInt64();
        return new NewViewRequest(view);
    }
}
