namespace Roost.Hypervisor.Agent;

/// <summary>The agent itself: declared capacity, what is reserved, and how it runs guests.</summary>
public sealed record AgentInfo(string Name, AgentCapacity Capacity, AgentCapacity Reserved, string Accelerator, string KernelRelease, int VmCount);
