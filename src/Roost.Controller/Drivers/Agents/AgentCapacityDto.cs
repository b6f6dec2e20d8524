namespace Roost.Controller.Drivers.Agents;

/// <summary>What an agent may hand out: virtual CPUs and guest RAM in MiB.</summary>
internal sealed record AgentCapacityDto(int Cpus, int MemoryMiB);
