using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Relay;

/// <summary>The frame compressors a relay end uses: the one its options ask for when sending, all of them when receiving.</summary>
public static class FrameCompressors
{
    public static IFrameCompressor For(FrameCodec codec, int level) => codec switch
    {
        FrameCodec.Zstd => new ZstdFrameCompressor(Math.Max(level, 1)),
        FrameCodec.Lz4 => new Lz4FrameCompressor(level),
        _ => new NoFrameCompression(),
    };

    /// <summary>One decompressor of each kind (the level does not matter to decompression).</summary>
    public static IReadOnlyList<IFrameCompressor> Decompressors() => [new ZstdFrameCompressor(1), new Lz4FrameCompressor(0)];
}
