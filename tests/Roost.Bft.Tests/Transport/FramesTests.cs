using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Roost.Bft.Crypto;
using Roost.Bft.Messages;
using Roost.Bft.Transport;

namespace Roost.Bft.Tests.Transport;

public sealed class FramesTests
{
    private static readonly Keyring _keys = Keyring.ForSeed(5);
    private static readonly NodeId _a0 = NodeId.Agreement(0);
    private static readonly NodeId _e1 = NodeId.Execution(1);

    private static async Task<(NodeId From, Message Message)?> Read(byte[] bytes, StrongBox<ulong>? counter = null, NodeId? self = null)
    {
        using var stream = new MemoryStream(bytes);
        return await Frames.ReadAsync(stream, _keys, self ?? _e1, counter ?? new StrongBox<ulong>(0), "127.0.0.1:4000", CancellationToken.None);
    }

    [Fact]
    public async Task RoundTrip_SenderAndMessage()
    {
        var frame = Frames.Encode(_keys, _a0, _e1, 1, new Control(ControlKind.Wake, 3));

        var read = await Read(frame);

        Assert.Equal((_a0, (Message)new Control(ControlKind.Wake, 3)), read);
    }

    [Fact]
    public async Task FlippedBit_MacRejected_OneLine()
    {
        var frame = Frames.Encode(_keys, _a0, _e1, 1, new ExecStatus(2, true));
        frame[^40] ^= 1;

        var e = await Assert.ThrowsAsync<FrameException>(() => Read(frame));

        Assert.Equal("corrupt frame from 127.0.0.1:4000: the MAC does not match the key of a0 and e1", e.Message);
    }

    [Fact]
    public void PairKeyring_FrameFromANodeWithoutAKey_RejectedOneLine()
    {
        // e1's own key file holds a0's pair only; c0 shares no key with it (and a0's key cannot derive another pair's).
        var e1Keys = Keyring.ForPairs(_e1, [new(_a0, _keys.PairKey(_a0, _e1))]);
        var fromA0 = Frames.Encode(_keys, _a0, _e1, 1, new ExecStatus(2, true));
        var fromC0 = Frames.Encode(_keys, NodeId.Client(0), _e1, 1, new ExecStatus(2, true));

        var accepted = Frames.Decode(fromA0.AsSpan(4), e1Keys, _e1, new StrongBox<ulong>(0), "127.0.0.1:4000");
        var e = Assert.Throws<FrameException>(() => Frames.Decode(fromC0.AsSpan(4), e1Keys, _e1, new StrongBox<ulong>(0), "127.0.0.1:4001"));

        Assert.Equal(_a0, accepted.From);
        Assert.Equal("corrupt frame from 127.0.0.1:4001: c0 is not a peer of e1 (no key for the pair)", e.Message);
        Assert.False(e1Keys.Knows(NodeId.Client(0), NodeId.Agreement(0)));
    }

    [Fact]
    public async Task HugeLength_RejectedBeforeReading()
    {
        var frame = new byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(frame, int.MaxValue);

        var e = await Assert.ThrowsAsync<FrameException>(() => Read(frame));

        Assert.Contains("length 2147483647 is outside", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeclaredLengthNotSent_BufferBoundedByWhatArrived()
    {
        var frame = new byte[4 + 100];
        BinaryPrimitives.WriteInt32LittleEndian(frame, Frames.MaxFrameBytes);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = await Assert.ThrowsAsync<FrameException>(() => Read(frame));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains($"ended inside a frame of {Frames.MaxFrameBytes} bytes", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < Frames.MaxFrameBytes / 16, $"{allocated} bytes allocated for a frame that sent 100");
    }

    [Fact]
    public async Task LargeFrame_ReadWhole()
    {
        var result = Enumerable.Range(0, 300_000).Select(i => unchecked((byte)i)).ToArray();
        var frame = Frames.Encode(_keys, _a0, _e1, 1, new Reply(4, 5, 6, result));

        var read = await Read(frame);

        Assert.Equal(result, Assert.IsType<Reply>(read?.Message).Result);
    }

    [Fact]
    public async Task ReplayedCounter_Rejected()
    {
        var counter = new StrongBox<ulong>(0);
        var frame = Frames.Encode(_keys, _a0, _e1, 7, new ExecStatus(2, true));
        await Read(frame, counter);

        var e = await Assert.ThrowsAsync<FrameException>(() => Read(frame, counter));

        Assert.Contains("counter 7 does not rise above 7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongReceiverOrTruncated_Rejected()
    {
        var frame = Frames.Encode(_keys, _a0, _e1, 1, new ExecStatus(2, true));

        var wrong = await Assert.ThrowsAsync<FrameException>(() => Read(frame, self: NodeId.Execution(2)));
        var cut = await Assert.ThrowsAsync<FrameException>(() => Read(frame[..^3]));

        Assert.Contains("addressed to e1, this is e2", wrong.Message, StringComparison.Ordinal);
        Assert.Contains("ended inside a frame", cut.Message, StringComparison.Ordinal);
        Assert.Null(await Read([]));
    }
}
