namespace Roost.Hypervisor.Agent;

/// <summary>
/// The answer to <c>POST /api/incoming/tickets</c>: a <see cref="MigrationTicket"/> for one VM, to hand to the source
/// agent's <c>POST /api/vms/{id}/migrate</c>, and the seconds left to start the migration with it.
/// </summary>
public sealed record TicketResponse(string Ticket, long ExpiresInSeconds);
