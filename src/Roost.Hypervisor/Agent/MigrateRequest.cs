namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of <c>POST /api/vms/{id}/migrate</c>: the destination agent's base URL, the migration ticket that agent issued
/// for this VM (<c>POST /api/incoming/tickets</c> there), and an optional bandwidth cap in MiB/s (0 or absent: QEMU's
/// default). The source presents only the ticket to the destination; its own token never leaves it.
/// </summary>
public sealed record MigrateRequest(string? Destination, string? Ticket, int? MaxBandwidthMiBps);
