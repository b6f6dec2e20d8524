namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of <c>POST /api/vms</c> and of <c>POST /api/incoming/tickets</c>; <see cref="Nic"/> and <see cref="DiskMiB"/>
/// (a raw virtual disk of that size, owner-only in the agent's run directory; none when absent or 0) are optional, and so
/// is <see cref="Image"/>: the guest image profile to boot, one the agent offers (default: the agent's first).
/// </summary>
public sealed record CreateVmRequest(string? Id, int? Cpus, int? MemoryMiB, NicRequest? Nic = null, int? DiskMiB = null, string? Image = null);

/// <summary>A VM's network card as a client asks for it: a network the agent offers, the guest's address (CIDR), a gateway.</summary>
public sealed record NicRequest(string? Network, string? Address, string? Gateway);
