using System.Buffers;
using Roost.Core.Migration.Stream;

namespace Roost.Core.Tests.Migration.Stream;

public sealed class RelayFramingTests
{
    private static readonly byte[] _secret = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    [Fact]
    public void Frame_ReadWithItsDirectionsKey_GivesHeaderAndPayloadBack()
    {
        var key = RelaySecrets.FrameKey(_secret, towardsDestination: true);
        var frame = Write(key, [1, 2, 3, 4, 5]);

        var read = RelayFraming.TryRead(frame, key, out var header, out var length, out var error);

        Assert.Equal(FrameRead.Frame, read);
        Assert.Equal("", error);
        Assert.Equal(frame.Length, length);
        Assert.Equal((uint)7, header.Sequence);
        Assert.Equal([1, 2, 3, 4, 5], RelayFraming.Payload(frame, header).ToArray());
    }

    /// <summary>
    /// Whoever sits on the WAN path without the per-migration secret cannot make a frame the other end accepts: not one
    /// keyed from another secret, not one of the other direction (reflected back), not a well-formed frame with one
    /// payload bit changed.
    /// </summary>
    [Fact]
    public void Frame_ForgedReflectedOrAltered_FailsItsMac()
    {
        var key = RelaySecrets.FrameKey(_secret, towardsDestination: true);
        var other = (byte[])_secret.Clone();
        other[0] ^= 1;
        var forged = Write(RelaySecrets.FrameKey(other, towardsDestination: true), [1, 2, 3]);
        var reflected = Write(RelaySecrets.FrameKey(_secret, towardsDestination: false), [1, 2, 3]);
        var altered = Write(key, [1, 2, 3]);
        altered[RelayFraming.HeaderBytes + 1] ^= 0x10;

        foreach (var frame in new[] { forged, reflected, altered })
        {
            Assert.Equal(FrameRead.Corrupt, RelayFraming.TryRead(frame, key, out _, out _, out var error));
            Assert.Contains("fails its MAC", error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DirectionKeys_DifferFromEachOtherAndFromTheOtherKeys()
    {
        byte[][] keys =
        [
            RelaySecrets.FrameKey(_secret, towardsDestination: true),
            RelaySecrets.FrameKey(_secret, towardsDestination: false),
            RelaySecrets.PageKey(_secret),
            RelaySecrets.AuthKey(_secret),
        ];

        Assert.Equal(keys.Length, keys.Select(Convert.ToHexString).Distinct().Count());
    }

    private static byte[] Write(byte[] key, byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        RelayFraming.Write(writer, key, RelayFrameType.Data, FrameCodec.None, 0, 7, payload, payload.Length);
        return writer.WrittenSpan.ToArray();
    }
}
