namespace Roost.Hypervisor.Agent;

/// <summary>
/// One pre-copy pass of a migration as its report shows it: its number (QEMU's dirty-sync count; 1 is the bulk pass
/// over all memory), the dirty set it started with (4 KiB pages and bytes), when it started (ms into QEMU's
/// migration), how long it took and what it sent (null while it runs; the last pass ends where the stop-and-copy
/// starts), and the rate at which the guest dirtied pages meanwhile (null until the next pass started: the last pass has none).
/// </summary>
public sealed record MigrationPass(long Number, long DirtyPages, long DirtyBytes, long StartMs, long? DurationMs, long? SentBytes, long? DirtyPagesPerSecond);
