namespace Roost.Core.Migration.Stream;

/// <summary>What a run of stream bytes passed through unchanged is, for the migration report.</summary>
public enum StreamChunkKind
{
    /// <summary>Stream structure and device state: headers, section markers, footers, commands, everything after RAM.</summary>
    Stream,

    /// <summary>A RAM record for a zero page (QEMU sends its address and one zero byte).</summary>
    ZeroPage,
}
