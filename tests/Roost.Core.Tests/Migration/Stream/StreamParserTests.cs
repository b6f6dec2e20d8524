using Roost.Core.Migration.Stream;

namespace Roost.Core.Tests.Migration.Stream;

public sealed class StreamParserTests
{
    [Theory]
    [InlineData(1, true, false)]
    [InlineData(2, false, false)]
    [InlineData(3, true, true)]
    [InlineData(4, false, true)]
    public void Parse_QemuShapedStream_FindsEveryPageAndHandsOnTheStreamByteForByte(int seed, bool footers, bool subsections)
    {
        var stream = SyntheticStream.Build(seed, footers: footers, subsections: subsections);
        var parser = new StreamParser();

        var sink = RecordingSink.Parse(parser, stream.Bytes, new Random(seed));

        Assert.Equal(stream.Bytes, sink.Bytes);
        Assert.Equal(stream.PageRecords, sink.Pages);
        Assert.Equal(stream.ZeroRecords, sink.ZeroPages);
        Assert.True(parser.RamEnded, $"seed {seed}: the end of RAM was not found ({parser.PassThroughReason})");
        Assert.Null(parser.PassThroughReason);
        Assert.Equal(["pc.ram", "vga.vram", "/rom@etc/acpi/tables"], parser.Blocks);
        Assert.False(parser.EndedInsideItem);
    }

    [Fact]
    public void Parse_PageKeys_NameBlockAndPageNumber()
    {
        var stream = SyntheticStream.Build(seed: 5, pages: 8, rounds: 0);

        var sink = RecordingSink.Parse(new StreamParser(), stream.Bytes, new Random(5));

        Assert.All(sink.Keys, key => Assert.InRange(key.Block, 0, 2));
        Assert.Contains(sink.Keys, key => key.Block == 0 && key.Page == 7);
        Assert.DoesNotContain(sink.Keys, key => key.Block == 2 && key.Page > 3);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    public void Parse_AnyBytes_AreHandedOnUnchanged(int seed)
    {
        // Mutations of a real-shaped stream (flipped bytes, cuts, garbage) and plain noise: whatever the parser makes
        // of them, what it hands on is the input.
        var random = new Random(seed);
        for (var trial = 0; trial < 40; trial++)
        {
            var input = SyntheticStream.Build(seed * 100 + trial, pages: 32, rounds: 1).Bytes;
            switch (trial % 4)
            {
                case 0:
                    for (var i = random.Next(1, 20); i > 0; i--)
                    {
                        input[random.Next(input.Length)] ^= (byte)random.Next(1, 256);
                    }

                    break;
                case 1:
                    input = input[..random.Next(input.Length)];
                    break;
                case 2:
                    random.NextBytes(input.AsSpan(random.Next(input.Length)));
                    break;
                default:
                    random.NextBytes(input);
                    break;
            }

            var sink = RecordingSink.Parse(new StreamParser(), input, random);

            Assert.True(input.AsSpan().SequenceEqual(sink.Bytes), $"seed {seed}, trial {trial}: output differs from input");
        }
    }

    [Fact]
    public void Parse_AnotherIterativeSection_PassesTheRestThrough()
    {
        var stream = SyntheticStream.Build(seed: 6, pages: 16, rounds: 1);
        var bytes = stream.Bytes;
        var ram = bytes.AsSpan().IndexOf("\u0003ram"u8);
        bytes[ram + 1] = (byte)'x';
        var parser = new StreamParser();

        var sink = RecordingSink.Parse(parser, bytes, new Random(6));

        Assert.Equal(bytes, sink.Bytes);
        Assert.Equal(0, sink.Pages);
        Assert.Contains("xam", parser.PassThroughReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_TruncatedStream_HandsOnTheTailAndSaysSo()
    {
        var bytes = SyntheticStream.Build(seed: 7, pages: 16, rounds: 1).Bytes;
        var cut = bytes.AsSpan().IndexOf("pc.ram"u8) + 200;
        var parser = new StreamParser();

        var sink = RecordingSink.Parse(parser, bytes[..cut], new Random(7));

        Assert.Equal(bytes[..cut], sink.Bytes);
        Assert.True(parser.EndedInsideItem);
    }
}
