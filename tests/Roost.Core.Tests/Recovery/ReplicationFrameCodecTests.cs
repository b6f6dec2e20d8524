using System.Buffers.Binary;
using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>The replication wire format: round trips, partial frames, and every kind of bad frame refused with its reason.</summary>
public sealed class ReplicationFrameCodecTests
{
    private static readonly byte[] _key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];
    private readonly ReplicationFrameCodec _codec = new(_key);

    [Fact]
    public void Write_RoundTrips_AndNeedsMoreUntilWhole()
    {
        var write = new ReplicationMessage.Write(new VmId(7), 42, 8192, new byte[] { 1, 2, 3, 4, 5 });
        var frame = _codec.Encode(write);

        for (var cut = 0; cut < frame.Length; cut++)
        {
            Assert.IsType<FrameResult.NeedMore>(_codec.Decode(frame.AsSpan(0, cut)));
        }

        var decoded = Assert.IsType<FrameResult.Frame>(_codec.Decode([.. frame, 9, 9]));
        Assert.Equal(frame.Length, decoded.Consumed);
        var back = Assert.IsType<ReplicationMessage.Write>(decoded.Message);
        Assert.Equal((new VmId(7), 42L, 8192L), (back.Vm, back.Sequence, back.Offset));
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, back.Data.ToArray());
    }

    [Fact]
    public void Ack_RoundTrips()
    {
        var decoded = Assert.IsType<FrameResult.Frame>(_codec.Decode(_codec.Encode(new ReplicationMessage.Ack(new VmId(3), 99))));

        Assert.Equal(new ReplicationMessage.Ack(new VmId(3), 99), decoded.Message);
    }

    [Fact]
    public void Decode_AnyFlippedBit_IsRefused()
    {
        var frame = _codec.Encode(new ReplicationMessage.Write(new VmId(1), 1, 0, new byte[] { 0xAA }));

        for (var i = 4; i < frame.Length; i++)
        {
            var bad = (byte[])frame.Clone();
            bad[i] ^= 0x10;
            Assert.IsType<FrameResult.Invalid>(_codec.Decode(bad));
        }
    }

    [Fact]
    public void Decode_OtherKey_IsRefusedByMac()
    {
        var other = new ReplicationFrameCodec([.. Enumerable.Repeat((byte)9, 32)]);

        var result = Assert.IsType<FrameResult.Invalid>(_codec.Decode(other.Encode(new ReplicationMessage.Ack(new VmId(1), 1))));

        Assert.Contains("MAC", result.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData(0u)]
    [InlineData(10u)]
    public void Decode_LengthOutOfBounds_IsRefusedBeforeBuffering(uint length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, length);

        var result = Assert.IsType<FrameResult.Invalid>(_codec.Decode(header));

        Assert.Contains("frame length", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_EmptyOrOversizedWrite_Throws()
    {
        Assert.Throws<ArgumentException>(() => _codec.Encode(new ReplicationMessage.Write(new VmId(1), 1, 0, Array.Empty<byte>())));
        Assert.Throws<ArgumentException>(() => _codec.Encode(new ReplicationMessage.Write(new VmId(1), 1, 0, new byte[ReplicationFrameCodec.MaxDataBytes + 1])));
        Assert.Throws<ArgumentException>(() => new ReplicationFrameCodec(new byte[8]));
    }
}
