using System.Globalization;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// What the migration relay does to the pages it carries, each switchable for experiments (all on by default):
/// redundancy elimination (a page the destination holds goes as its digest), XOR deltas of re-sent pages against
/// their previous version, and compression of each frame. Checked in one place (<see cref="Validate"/>).
/// </summary>
public sealed record RelayCodecOptions
{
    /// <summary>Send a page the destination already holds (sent earlier, pinned from a resident VM) as its digest.</summary>
    public bool Deduplicate { get; init; } = true;

    /// <summary>Send a re-sent page as the XOR delta against the version sent before, when the source still has it.</summary>
    public bool Delta { get; init; } = true;

    /// <summary>How frames are compressed.</summary>
    public FrameCodec Compression { get; init; } = FrameCodec.Zstd;

    /// <summary>Compression level (zstd 1..19; LZ4: 0 fast, 3..12 high compression).</summary>
    public int CompressionLevel { get; init; } = 3;

    /// <summary>Memory for delta bases at the source, MiB (0 turns deltas off in effect).</summary>
    public int DeltaCacheMiB { get; init; } = 1024;

    /// <summary>Largest frame payload before compression, KiB; a read from QEMU is split into frames of at most this.</summary>
    public int FrameKiB { get; init; } = 256;

    /// <summary>The largest <see cref="FrameKiB"/>: half a frame's decoded limit, so item overheads always fit.</summary>
    public const int MaxFrameKiB = RelayFraming.MaxDecodedBytes / 1024 / 2;

    /// <summary>Null when every value is in range, else one line naming the first that is not.</summary>
    public string? Validate()
    {
        static string Line(string name, int value, string range) =>
            string.Create(CultureInfo.InvariantCulture, $"relay option {name} {value} is not {range}");

        if (!Enum.IsDefined(Compression))
        {
            return $"relay option {nameof(Compression)} {(int)Compression} is not none, lz4 or zstd";
        }

        if (CompressionLevel is < 0 or > 19)
        {
            return Line(nameof(CompressionLevel), CompressionLevel, "from 0 to 19");
        }

        if (DeltaCacheMiB is < 0 or > 65_536)
        {
            return Line(nameof(DeltaCacheMiB), DeltaCacheMiB, "from 0 to 65536");
        }

        return FrameKiB is < 16 or > MaxFrameKiB
            ? Line(nameof(FrameKiB), FrameKiB, $"from 16 to {MaxFrameKiB}")
            : null;
    }
}
