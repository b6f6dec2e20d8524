namespace Roost.Controller.Drivers.Agents;

/// <summary>
/// <c>GET /api/vms/{id}/stats</c>: black-box figures from the host (QEMU's cumulative CPU seconds, its RSS in bytes)
/// and the guest reporter's gray-box figures (null until the guest has reported).
/// </summary>
internal sealed record AgentVmStatsDto(string Id, double HostCpuSeconds, long HostResidentBytes, AgentGuestReportDto? Guest);
