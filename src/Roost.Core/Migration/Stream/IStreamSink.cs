namespace Roost.Core.Migration.Stream;

/// <summary>
/// Receives a parsed QEMU migration stream in order. The concatenation of every <see cref="Raw"/> span and every
/// page's header and content is the stream, byte for byte. Spans are valid only during the call.
/// </summary>
public interface IStreamSink
{
    /// <summary>Bytes to pass through unchanged.</summary>
    void Raw(ReadOnlySpan<byte> bytes, StreamChunkKind kind);

    /// <summary>A RAM page record: <paramref name="header"/> (address and flags, and the block's id string unless it continues the last block) and its 4 KiB <paramref name="content"/>.</summary>
    void Page(ReadOnlySpan<byte> header, PageKey key, ReadOnlySpan<byte> content);
}
