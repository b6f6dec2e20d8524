namespace Roost.Core.Migration.Stream;

/// <summary>
/// One pre-copy pass over dirty memory as seen from the source: its number (QEMU's dirty-sync count; 1 is the bulk
/// pass over all memory), the dirty set it started with, when it started (migration time), how long it took and how
/// much it sent (null while it runs), and the rate at which the guest dirtied memory meanwhile (the next pass's dirty
/// set over this one's duration; null until the next pass starts).
/// </summary>
public sealed record PrecopyRound(long Number, long DirtyBytes, TimeSpan Start, TimeSpan? Duration, long? SentBytes, double? DirtyBytesPerSecond);
