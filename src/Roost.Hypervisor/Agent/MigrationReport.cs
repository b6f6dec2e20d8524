using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// A completed migration. <see cref="TotalMs"/> is Roost's end-to-end time (request to VM running at the
/// destination, peer calls included); <see cref="QemuTotalMs"/> and <see cref="DowntimeMs"/> are QEMU's own figures.
/// <see cref="HandoverMs"/> is the time from QEMU's "completed" to the destination confirming it resumed the guest:
/// the guest is paused on both sides meanwhile, so its real downtime is at most DowntimeMs + HandoverMs.
/// <see cref="TransferredBytes"/> is QEMU's count of RAM bytes it sent (before any relay).
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
    long MemoryBytes)
{
    /// <summary>How the stream travelled: <see cref="MigrationTransportKind.Relay"/> or plain TCP.</summary>
    public MigrationTransportKind Transport { get; init; } = MigrationTransportKind.Tcp;

    /// <summary>
    /// Through the relay: the source relay's count of what it carried, by kind (QEMU's stream, zero pages, pages sent
    /// whole, deduplicated, as deltas, the encoded payload and the compressed bytes on the wire); null over plain TCP.
    /// </summary>
    public RelayTraffic? Relay { get; init; }

    /// <summary>The pre-copy passes as the source saw them, in order.</summary>
    public IReadOnlyList<MigrationPass> Passes { get; init; } = [];
}
