using Roost.Core.Migration.Stream;

namespace Roost.Core.Tests.Migration.Stream;

public sealed class XorDeltaTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EncodeThenDecode_RandomChanges_GiveTheNewVersion(int seed)
    {
        var random = new Random(seed);
        var delta = new byte[8192];
        var scratch = new byte[4096];
        var rebuilt = new byte[4096];
        for (var trial = 0; trial < 500; trial++)
        {
            var previous = SyntheticStream.RandomPage(random);
            var current = (byte[])previous.Clone();
            for (var i = random.Next(0, 64); i > 0; i--)
            {
                var at = random.Next(4096);
                var length = Math.Min(random.Next(1, 40), 4096 - at);
                random.NextBytes(current.AsSpan(at, length));
            }

            var written = XorDelta.Encode(current, previous, delta, scratch);

            Assert.True(written >= 0, $"seed {seed}, trial {trial}: did not fit");
            Assert.True(XorDelta.TryDecode(delta.AsSpan(0, written), previous, rebuilt), $"seed {seed}, trial {trial}: did not decode");
            Assert.True(rebuilt.AsSpan().SequenceEqual(current), $"seed {seed}, trial {trial}: rebuilt page differs");
        }
    }

    [Fact]
    public void Encode_OneWordChanged_TakesAFewBytes()
    {
        var previous = SyntheticStream.RandomPage(new Random(4));
        var current = (byte[])previous.Clone();
        current[1000] ^= 0xFF;
        current[1003] ^= 0x01;

        var written = XorDelta.Encode(current, previous, new byte[4096], new byte[4096]);

        Assert.InRange(written, 1, 8);
    }

    [Fact]
    public void Encode_SameContent_IsEmpty()
    {
        var page = SyntheticStream.RandomPage(new Random(5));

        Assert.Equal(0, XorDelta.Encode(page, page, new byte[16], new byte[4096]));
    }

    [Fact]
    public void Encode_NoRoom_ReturnsMinusOne()
    {
        var random = new Random(6);
        var previous = SyntheticStream.RandomPage(random);
        var current = SyntheticStream.RandomPage(random);

        Assert.Equal(-1, XorDelta.Encode(current, previous, new byte[100], new byte[4096]));
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0x00, 0x00 })]
    [InlineData(new byte[] { 0xFF, 0x1F, 0x02, 0x00, 0x00 })]
    [InlineData(new byte[] { 0x00, 0x05, 0x01 })]
    public void TryDecode_MalformedDelta_IsRefused(byte[] delta)
    {
        Assert.False(XorDelta.TryDecode(delta, new byte[4096], new byte[4096]));
    }
}
