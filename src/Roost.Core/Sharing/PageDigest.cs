namespace Roost.Core.Sharing;

/// <summary>A page's 128-bit keyed content hash (<see cref="KeyedPageHasher"/>); equal digests mean equal pages, barring a 2^-128 accident.</summary>
public readonly record struct PageDigest(UInt128 Value)
{
    public const int SizeBytes = 16;

    public void WriteTo(Span<byte> destination) => System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    public static PageDigest ReadFrom(ReadOnlySpan<byte> source) => new(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(source));
}
