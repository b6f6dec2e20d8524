namespace Roost.Core.Migration.Stream;

/// <summary>Frames as they are.</summary>
public sealed class NoFrameCompression : IFrameCompressor
{
    public FrameCodec Codec => FrameCodec.None;

    public int Compress(ReadOnlySpan<byte> source, Span<byte> destination) => -1;

    public bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (source.Length != destination.Length)
        {
            return false;
        }

        source.CopyTo(destination);
        return true;
    }
}
