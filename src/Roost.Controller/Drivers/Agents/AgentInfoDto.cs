namespace Roost.Controller.Drivers.Agents;

/// <summary><c>GET /api/agent</c> of a <c>roost agent</c>: its name and declared capacity (vCPUs, MiB).</summary>
internal sealed record AgentInfoDto(string Name, AgentCapacityDto Capacity);
