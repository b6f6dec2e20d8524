using Roost.Bft.Messages;

namespace Roost.Bft.Tests.Messages;

public sealed class MessageCodecTests
{
    private static readonly Digest _d = Digest.Of([1, 2, 3]);
    private static readonly ClientRequest _request = new(3, 7, [9, 8, 7], 5, [1, 2, 3, 4]);
    private static readonly Batch _batch = new([_request, new ClientRequest(4, 1, [], 0, [])]);

    public static TheoryData<Message> EveryMessage() =>
    [
        new RequestMessage(_request),
        new PrePrepare(2, 11, _batch),
        new Prepare(2, 11, _d),
        new Commit(2, 11, _d),
        new Checkpoint(16, _d),
        new ViewChange(3, 1, 16, [new CheckpointEntry(16, _d)], [new SlotEntry(17, _d, 2)], [new SlotEntry(17, _d, 2), new SlotEntry(18, _d, 1)], [5, 6]),
        new NewView(3, [new ViewChange(3, 2, 0, [new CheckpointEntry(0, default)], [], [], [1])], [7]),
        new NewViewRequest(4),
        new BatchRequest(12, _d),
        new BatchReply(12, _batch),
        new Ordered(2, 12, _d, _batch, 8, _d),
        new Ordered(2, 12, _d, null, 8, _d),
        new SyncRequest(5, true),
        new SyncReply(4, [new CheckpointEntry(4, _d)], 9, [new LogEntry(5, _d, _batch), new LogEntry(6, _d, null)]),
        new ExecReport(5, _d, 2),
        new ExecCheckpoint(8, _d, 1),
        new Control(ControlKind.Retire, 3),
        new Control(ControlKind.Probe, 4),
        new ExecStatus(3, true),
        new ResendReply(3, 7),
        new StateRequest(_d, [1, 2, 3], [0, 5]),
        new StateReply(_d, true, [new NodeChildren(1, _d, _d)], [new ObjectContent(5, [1, 2])]),
        new ObjectRequest(5, _d),
        new ObjectReply(5, _d, [3, 4]),
        new Reply(3, 7, 2, [1]),
    ];

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void Decode_Encode_RoundTripsEveryMessageType(Message message)
    {
        var bytes = MessageCodec.Encode(message);

        var decoded = MessageCodec.Decode(bytes);

        Assert.Equal(bytes, MessageCodec.Encode(decoded));
        Assert.Equal(message.GetType(), decoded.GetType());
    }

    [Fact]
    public void EveryMessageType_HasATestCase()
    {
        var covered = EveryMessage().Cast<object[]>().Select(row => row[0].GetType().Name).ToHashSet();

        Assert.All(Enum.GetNames<MessageType>(), name => Assert.Contains(name, covered));
    }

    [Theory]
    [MemberData(nameof(EveryMessage))]
    public void Decode_Truncated_ThrowsWireFormatException(Message message)
    {
        var bytes = MessageCodec.Encode(message);

        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<WireFormatException>(() => MessageCodec.Decode(bytes.AsSpan(0, length)));
        }
    }

    [Fact]
    public void Decode_HugeCount_RejectedWithoutAllocating()
    {
        var bytes = new byte[] { (byte)MessageType.StateRequest }.Concat(new byte[32]).Concat(BitConverter.GetBytes(int.MaxValue)).ToArray();

        var e = Assert.Throws<WireFormatException>(() => MessageCodec.Decode(bytes));

        Assert.Contains("count", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_UnknownType_NamesIt()
    {
        var e = Assert.Throws<WireFormatException>(() => MessageCodec.Decode([200]));

        Assert.Contains("200", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Batch_DigestDependsOnOrder()
    {
        var a = new ClientRequest(1, 1, [1], 0, []);
        var b = new ClientRequest(2, 1, [2], 0, []);

        Assert.NotEqual(new Batch([a, b]).Digest, new Batch([b, a]).Digest);
    }
}
