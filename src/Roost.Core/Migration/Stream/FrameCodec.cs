namespace Roost.Core.Migration.Stream;

/// <summary>How a relay frame's payload is compressed; the number is the one on the wire.</summary>
public enum FrameCodec : byte
{
    None = 0,
    Lz4 = 1,
    Zstd = 2,
}
