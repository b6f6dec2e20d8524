using K4os.Compression.LZ4;
using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Relay;

/// <summary>Relay frames through LZ4 blocks (K4os.Compression.LZ4); level 0 is the fast mode, 3..12 the high-compression modes.</summary>
public sealed class Lz4FrameCompressor(int level) : IFrameCompressor
{
    private readonly LZ4Level _level = level < 3 ? LZ4Level.L00_FAST : (LZ4Level)Math.Min(level, (int)LZ4Level.L12_MAX);

    public FrameCodec Codec => FrameCodec.Lz4;

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = LZ4Codec.Encode(source, destination, _level);
        return written > 0 ? written : -1;
    }

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        LZ4Codec.Decode(source, destination) == destination.Length;
}
