namespace Roost.Hypervisor.Agent;

/// <summary>
/// Live progress of an outgoing migration, as <c>GET /api/vms/{id}/migration</c> shows it. Bytes are RAM bytes sent;
/// <see cref="Rounds"/> counts pre-copy passes over dirty memory (QEMU's dirty-sync-count).
/// </summary>
public sealed record MigrationProgress(string Destination, string Status, long TransferredBytes, long RemainingBytes, long TotalBytes, long Rounds, long ElapsedMs);
