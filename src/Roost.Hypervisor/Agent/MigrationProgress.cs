namespace Roost.Hypervisor.Agent;

/// <summary>
/// Live progress of an outgoing migration, as <c>GET /api/vms/{id}/migration</c> shows it. Bytes are RAM bytes sent;
/// <see cref="Rounds"/> counts pre-copy passes over dirty memory (QEMU's dirty-sync-count). <see cref="Status"/> is the
/// phase (<c>admitting</c>, <c>starting</c>, QEMU's status while streaming, <c>confirming</c>, <c>resolving</c>,
/// <c>cancelling</c>, <c>recovering</c>) and at the end the outcome (<c>completed</c>, <c>cancelled</c>, <c>aborted</c>,
/// <c>lost</c>, <c>in-doubt</c>), with <see cref="Reason"/> saying why when it did not complete.
/// </summary>
public sealed record MigrationProgress(string Destination, string Status, long TransferredBytes, long RemainingBytes, long TotalBytes, long Rounds, long ElapsedMs)
{
    public string? Reason { get; init; }
}
