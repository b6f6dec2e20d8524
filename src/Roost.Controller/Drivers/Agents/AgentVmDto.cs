namespace Roost.Controller.Drivers.Agents;

/// <summary>
/// A VM as an agent lists it. <see cref="State"/> is the agent's: Booting, Running, Paused, MigratingOut (leaving
/// this agent) or Incoming (a destination QEMU waiting for a migration: not yet the VM's home).
/// </summary>
internal sealed record AgentVmDto(string Id, int Cpus, int MemoryMiB, string State);
