namespace Roost.Core.Migration.Stream;

/// <summary>
/// What a relay carried, by kind. Page counts are QEMU's page records; byte figures of the kinds are the relay's
/// encoding before frame compression (<see cref="PayloadBytes"/> adds them up with item overheads);
/// <see cref="WireBytes"/> is what crossed the link towards the destination (frames, compressed, with headers and
/// checksums) and <see cref="ReverseWireBytes"/> what came back (handshake, pinned-page digests).
/// </summary>
public sealed record RelayTraffic
{
    /// <summary>QEMU's stream as it left the source's QEMU.</summary>
    public long StreamBytes { get; init; }

    /// <summary>Stream structure and device state passed through (headers, markers, footers, everything after RAM).</summary>
    public long StructureBytes { get; init; }

    public long ZeroPages { get; init; }

    public long ZeroPageBytes { get; init; }

    /// <summary>Pages sent whole.</summary>
    public long FullPages { get; init; }

    public long FullBytes { get; init; }

    /// <summary>Pages sent as the digest of a page the destination held.</summary>
    public long DeduplicatedPages { get; init; }

    public long DeduplicatedBytes { get; init; }

    /// <summary>Pages sent as an XOR delta against their previous version.</summary>
    public long DeltaPages { get; init; }

    public long DeltaBytes { get; init; }

    /// <summary>Deduplicated pages whose digest was pinned from a VM resident at the destination.</summary>
    public long PinnedHits { get; init; }

    public long PayloadBytes { get; init; }

    public long WireBytes { get; init; }

    public long ReverseWireBytes { get; init; }

    public long Frames { get; init; }

    /// <summary>Frames sent compressed (the others did not shrink).</summary>
    public long CompressedFrames { get; init; }
}
