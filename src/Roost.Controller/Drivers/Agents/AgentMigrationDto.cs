namespace Roost.Controller.Drivers.Agents;

/// <summary><c>GET /api/vms/{id}/migration</c>: where the VM's current or last outgoing migration goes, and its status.</summary>
internal sealed record AgentMigrationDto(string Destination, string Status);
