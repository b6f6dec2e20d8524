namespace Roost.Core.Migration.Stream;

/// <summary>
/// Compresses relay frame payloads (a seam: zstd and LZ4 live with the relay's I/O, <see cref="NoFrameCompression"/>
/// here). Implementations are not shared between threads.
/// </summary>
public interface IFrameCompressor
{
    FrameCodec Codec { get; }

    /// <summary>Compresses <paramref name="source"/> into <paramref name="destination"/>; returns the length, or -1 when it does not fit.</summary>
    int Compress(ReadOnlySpan<byte> source, Span<byte> destination);

    /// <summary>Decompresses exactly <paramref name="destination"/>'s length; false when the input is not a valid compressed block of that length.</summary>
    bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination);
}
