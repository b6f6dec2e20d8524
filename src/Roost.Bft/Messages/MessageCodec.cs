namespace Roost.Bft.Messages;

/// <summary>
/// The wire encoding of every message: one type byte, then the fields little-endian, lengths and counts as 32-bit
/// prefixes checked against what remains. Framing and authentication (length, sender, MAC) belong to the transport.
/// </summary>
public static class MessageCodec
{
    [ThreadStatic]
    private static WireWriter? _scratch;

    public static byte[] Encode(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = Scratch();
        WriteTo(message, writer);
        return writer.ToArray();
    }

    public static void WriteTo(Message message, WireWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteByte((byte)message.Type);
        message.WriteBody(writer);
    }

    /// <summary>The encoded size in bytes, without keeping the encoding.</summary>
    public static int SizeOf(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = Scratch();
        WriteTo(message, writer);
        return writer.Length;
    }

    /// <summary>Decodes one message; throws <see cref="WireFormatException"/> naming the problem if the bytes are not one.</summary>
    public static Message Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new WireReader(bytes);
        var type = reader.ReadByte();
        Message message = (MessageType)type switch
        {
            MessageType.RequestMessage => RequestMessage.ReadBody(ref reader),
            MessageType.PrePrepare => PrePrepare.ReadBody(ref reader),
            MessageType.Prepare => Prepare.ReadBody(ref reader),
            MessageType.Commit => Commit.ReadBody(ref reader),
            MessageType.Checkpoint => Checkpoint.ReadBody(ref reader),
            MessageType.ViewChange => ViewChange.ReadBody(ref reader),
            MessageType.NewView => NewView.ReadBody(ref reader),
            MessageType.NewViewRequest => NewViewRequest.ReadBody(ref reader),
            MessageType.BatchRequest => BatchRequest.ReadBody(ref reader),
            MessageType.BatchReply => BatchReply.ReadBody(ref reader),
            MessageType.Ordered => Ordered.ReadBody(ref reader),
            MessageType.SyncRequest => SyncRequest.ReadBody(ref reader),
            MessageType.SyncReply => SyncReply.ReadBody(ref reader),
            MessageType.ExecReport => ExecReport.ReadBody(ref reader),
            MessageType.ExecCheckpoint => ExecCheckpoint.ReadBody(ref reader),
            MessageType.Control => Control.ReadBody(ref reader),
            MessageType.ExecStatus => ExecStatus.ReadBody(ref reader),
            MessageType.ResendReply => ResendReply.ReadBody(ref reader),
            MessageType.StateRequest => StateRequest.ReadBody(ref reader),
            MessageType.StateReply => StateReply.ReadBody(ref reader),
            MessageType.ObjectRequest => ObjectRequest.ReadBody(ref reader),
            MessageType.ObjectReply => ObjectReply.ReadBody(ref reader),
            MessageType.Reply => Reply.ReadBody(ref reader),
            _ => throw new WireFormatException($"message type {type} is unknown"),
        };
        reader.ExpectEnd();
        return message;
    }

    private static WireWriter Scratch()
    {
        var writer = _scratch ??= new WireWriter(4096);
        writer.Reset();
        return writer;
    }
}
