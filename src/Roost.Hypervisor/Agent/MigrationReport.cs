namespace Roost.Hypervisor.Agent;

/// <summary>
/// A completed migration. <see cref="TotalMs"/> is Roost's end-to-end time (request to VM running at the
/// destination, peer calls included); <see cref="QemuTotalMs"/> and <see cref="DowntimeMs"/> are QEMU's own figures.
/// <see cref="HandoverMs"/> is the time from QEMU's "completed" to the destination confirming it resumed the guest:
/// the guest is paused on both sides meanwhile, so its real downtime is at most DowntimeMs + HandoverMs.
/// </summary>
public sealed record MigrationReport(
    string Id,
    string Source,
    string Destination,
    long TotalMs,
    long QemuTotalMs,
    long DowntimeMs,
    long HandoverMs,
    long TransferredBytes,
    long Rounds,
    long MemoryBytes);
