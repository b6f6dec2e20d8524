namespace Roost.Bft.Messages;

/// <summary>A client's request, sent to the primary (and to every agreement replica on retransmission).</summary>
public sealed record RequestMessage(ClientRequest Request) : Message
{
    internal override MessageType Type => MessageType.RequestMessage;

    internal override void WriteBody(WireWriter writer)
    {
        Request.Write(writer);
    }

    internal static RequestMessage ReadBody(ref WireReader reader)
    {
        var request = ClientRequest.Read(ref reader);
        return new RequestMessage(request);
    }
}
