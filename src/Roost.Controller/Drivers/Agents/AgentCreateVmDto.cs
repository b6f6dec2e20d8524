namespace Roost.Controller.Drivers.Agents;

/// <summary>Body of <c>POST /api/vms</c> on an agent.</summary>
internal sealed record AgentCreateVmDto(string Id, int Cpus, int MemoryMiB);
