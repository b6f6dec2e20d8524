using Roost.Core.Migration.Stream;

namespace Roost.Core.Tests.Migration.Stream;

/// <summary>Concatenates what a parser hands on, and counts it.</summary>
internal sealed class RecordingSink : IStreamSink
{
    private readonly List<byte> _bytes = [];

    public int Pages { get; private set; }

    public int ZeroPages { get; private set; }

    public List<PageKey> Keys { get; } = [];

    public byte[] Bytes => [.. _bytes];

    public void Raw(ReadOnlySpan<byte> bytes, StreamChunkKind kind)
    {
        _bytes.AddRange(bytes);
        ZeroPages += kind == StreamChunkKind.ZeroPage ? 1 : 0;
    }

    public void Page(ReadOnlySpan<byte> header, PageKey key, ReadOnlySpan<byte> content)
    {
        Assert.Equal(4096, content.Length);
        _bytes.AddRange(header);
        _bytes.AddRange(content);
        Pages++;
        Keys.Add(key);
    }

    /// <summary>Feeds <paramref name="input"/> to <paramref name="parser"/> in random chunks, as a socket would.</summary>
    public static RecordingSink Parse(IRelayStreamParser parser, byte[] input, Random random, int maxChunk = 20_000)
    {
        var sink = new RecordingSink();
        var buffer = new byte[StreamParser.MaxItemBytes + maxChunk];
        var filled = 0;
        var position = 0;
        while (position < input.Length)
        {
            var chunk = Math.Min(random.Next(1, maxChunk), input.Length - position);
            input.AsSpan(position, chunk).CopyTo(buffer.AsSpan(filled));
            position += chunk;
            filled += chunk;
            var consumed = parser.Parse(buffer.AsSpan(0, filled), sink);
            buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
            filled -= consumed;
        }

        parser.Finish(buffer.AsSpan(0, filled), sink);
        return sink;
    }
}
