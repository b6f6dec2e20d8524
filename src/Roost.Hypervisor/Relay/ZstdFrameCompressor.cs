using Roost.Core.Migration.Stream;
using ZstdSharp;

namespace Roost.Hypervisor.Relay;

/// <summary>Relay frames through zstd (ZstdSharp, a managed port of the reference library), one frame per payload.</summary>
public sealed class ZstdFrameCompressor(int level) : IFrameCompressor, IDisposable
{
    private readonly Compressor _compressor = new(level);
    private readonly Decompressor _decompressor = new();

    public FrameCodec Codec => FrameCodec.Zstd;

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination) =>
        _compressor.TryWrap(source, destination, out var written) ? written : -1;

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        try
        {
            return _decompressor.TryUnwrap(source, destination, out var written) && written == destination.Length;
        }
        catch (ZstdException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        _compressor.Dispose();
        _decompressor.Dispose();
    }
}
