namespace Roost.Hypervisor.Agent;

/// <summary>Body of <c>POST /api/vms</c> and of the peer call <c>POST /api/incoming</c>.</summary>
public sealed record CreateVmRequest(string? Id, int? Cpus, int? MemoryMiB);
