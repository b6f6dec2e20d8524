using System.Buffers;
using Roost.Core.Migration.Stream;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Migration.Stream;

public sealed class RelayCodecTests
{
    private static readonly byte[] _key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    public static TheoryData<bool, bool> Codecs => new() { { true, true }, { true, false }, { false, true }, { false, false } };

    [Theory]
    [MemberData(nameof(Codecs))]
    public void EncodeThenDecode_GivesTheStreamBack(bool deduplicate, bool delta)
    {
        var options = new RelayCodecOptions { Deduplicate = deduplicate, Delta = delta, Compression = FrameCodec.None };
        for (var seed = 1; seed <= 4; seed++)
        {
            var stream = SyntheticStream.Build(seed, pages: 128, rounds: 3);

            var (output, traffic) = RoundTrip(options, [stream.Bytes], seed);

            Assert.True(output[0].AsSpan().SequenceEqual(stream.Bytes), $"seed {seed}: stream differs after the relay");
            Assert.Equal(stream.Bytes.Length, traffic.StreamBytes);
            Assert.Equal(stream.PageRecords, traffic.FullPages + traffic.DeduplicatedPages + traffic.DeltaPages);
            Assert.Equal(deduplicate, traffic.DeduplicatedPages > 0);
            Assert.Equal(delta, traffic.DeltaPages > 0);
            Assert.True(deduplicate || delta ? traffic.PayloadBytes < stream.Bytes.Length : traffic.PayloadBytes > stream.Bytes.Length, $"seed {seed}: payload {traffic.PayloadBytes}");
        }
    }

    [Fact]
    public void Gang_PagesOfOneVm_AreReferencesForTheNext()
    {
        var options = new RelayCodecOptions { Delta = false, Compression = FrameCodec.None };
        var first = SyntheticStream.Build(seed: 21, pages: 64, rounds: 0).Bytes;

        var (output, traffic) = RoundTrip(options, [first, first], seed: 21);

        Assert.Equal(first, output[0]);
        Assert.Equal(first, output[1]);
        var (_, alone) = RoundTrip(options, [first], seed: 21);
        Assert.Equal(alone.FullPages, traffic.FullPages);
        Assert.Equal(2 * alone.DeduplicatedPages + alone.FullPages, traffic.DeduplicatedPages);
    }

    [Fact]
    public void Decode_ReferenceToAPageNotHeld_IsRefused()
    {
        using var decoder = new RelayDecoder(_key);
        var payload = new List<byte> { 3, 8, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0 };
        var digest = new byte[16];
        new PageDigest(UInt128.MaxValue / 3).WriteTo(digest);
        payload.AddRange(digest);

        var ok = decoder.TryDecode(0, payload.ToArray(), new ArrayBufferWriter<byte>(), out var error);
        var forged = RelayEncoder.ReferenceItem([0, 0, 0, 0, 0, 0, 0, 0x28], new PageKey(0, 0), new PageDigest(UInt128.MaxValue / 3));

        Assert.False(ok);
        Assert.Contains("does not hold", error, StringComparison.Ordinal);
        Assert.Equal(payload, forged);
    }

    [Fact]
    public void Pin_ResidentPage_IsSentAsAReference()
    {
        var options = new RelayCodecOptions { Compression = FrameCodec.None };
        var stream = SyntheticStream.Build(seed: 22, pages: 32, rounds: 0);
        using var encoder = new RelayEncoder(options, _key);
        using var decoder = new RelayDecoder(_key);
        var resident = FirstPage(stream.Bytes);
        encoder.AddPinned(decoder.Pin(resident) ?? throw new InvalidOperationException("not pinned"));

        var output = Decode(decoder, 0, Encode(encoder, 0, stream.Bytes));

        Assert.Equal(stream.Bytes, output);
        Assert.True(encoder.Traffic.PinnedHits >= 1);
    }

    [Fact]
    public void KeyedDigests_DifferUnderAnotherKey()
    {
        var page = SyntheticStream.RandomPage(new Random(9));
        using var one = new KeyedPageHasher(_key);
        using var other = new KeyedPageHasher([.. _key.Reverse()]);

        Assert.Equal(one.Hash(page), one.Hash((byte[])page.Clone()));
        Assert.NotEqual(one.Hash(page), other.Hash(page));
    }

    internal static (byte[][] Output, RelayTraffic Traffic) RoundTrip(RelayCodecOptions options, byte[][] streams, int seed)
    {
        var random = new Random(seed);
        using var encoder = new RelayEncoder(options, _key);
        using var decoder = new RelayDecoder(_key);
        var parsers = streams.Select(_ => new StreamParser()).ToArray();
        var outputs = streams.Select(_ => new ArrayBufferWriter<byte>()).ToArray();
        var payload = new byte[RelayFraming.MaxDecodedBytes];
        for (var channel = 0; channel < streams.Length; channel++)
        {
            var input = streams[channel];
            var position = 0;
            var leftover = Array.Empty<byte>();
            while (position < input.Length)
            {
                var chunk = Math.Min(random.Next(1, 50_000), input.Length - position);
                var buffer = leftover.Concat(input.Skip(position).Take(chunk)).ToArray();
                position += chunk;
                encoder.Channel = channel;
                var consumed = parsers[channel].Parse(buffer, encoder);
                leftover = buffer[consumed..];
                var length = encoder.TakePending(payload);
                Assert.True(decoder.TryDecode(channel, payload.AsSpan(0, length), outputs[channel], out var error), error);
            }

            parsers[channel].Finish(leftover, encoder);
            var rest = encoder.TakePending(payload);
            Assert.True(decoder.TryDecode(channel, payload.AsSpan(0, rest), outputs[channel], out var last), last);
        }

        return ([.. outputs.Select(o => o.WrittenSpan.ToArray())], encoder.Traffic);
    }

    private static byte[] Encode(RelayEncoder encoder, int channel, byte[] stream)
    {
        var parser = new StreamParser();
        encoder.Channel = channel;
        var consumed = parser.Parse(stream, encoder);
        parser.Finish(stream.AsSpan(consumed), encoder);
        var payload = new byte[RelayFraming.MaxDecodedBytes];
        return payload[..encoder.TakePending(payload)];
    }

    private static byte[] Decode(RelayDecoder decoder, int channel, byte[] payload)
    {
        var output = new ArrayBufferWriter<byte>();
        Assert.True(decoder.TryDecode(channel, payload, output, out var error), error);
        return output.WrittenSpan.ToArray();
    }

    private static byte[] FirstPage(byte[] stream)
    {
        var sink = new FirstPageSink();
        new StreamParser().Parse(stream, sink);
        return sink.Content ?? throw new InvalidOperationException("no page");
    }

    private sealed class FirstPageSink : IStreamSink
    {
        public byte[]? Content { get; private set; }

        public void Raw(ReadOnlySpan<byte> bytes, StreamChunkKind kind)
        {
        }

        public void Page(ReadOnlySpan<byte> header, PageKey key, ReadOnlySpan<byte> content) => Content ??= content.ToArray();
    }
}
