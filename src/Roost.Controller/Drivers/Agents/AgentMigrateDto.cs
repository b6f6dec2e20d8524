namespace Roost.Controller.Drivers.Agents;

/// <summary>
/// Body of <c>POST /api/vms/{id}/migrate</c> on the source agent: the destination agent's URL and token, and a
/// bandwidth cap in MiB/s (null: QEMU's default).
/// </summary>
internal sealed record AgentMigrateDto(string Destination, string DestinationToken, int? MaxBandwidthMiBps);
