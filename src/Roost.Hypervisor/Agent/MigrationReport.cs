namespace Roost.Hypervisor.Agent;

/// <summary>
/// A completed migration. <see cref="TotalMs"/> is Roost's end-to-end time (request to VM running at the
/// destination, peer calls included); <see cref="QemuTotalMs"/> and <see cref="DowntimeMs"/> are QEMU's own figures.
/// </summary>
public sealed record MigrationReport(
    string Id,
    string Source,
    string Destination,
    long TotalMs,
    long QemuTotalMs,
    long DowntimeMs,
    long TransferredBytes,
    long Rounds,
    long MemoryBytes);
