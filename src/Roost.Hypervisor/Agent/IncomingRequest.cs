namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of the peer call <c>POST /api/incoming</c>: the VM to admit and, when the source relays the stream, the
/// migration's relay secret (64 hex digits) its relay will prove it holds. The secret is made by the source for this
/// one migration and sent only here (the disk's NBD relay uses a key derived from it), in the call the ticket authorises; the controller never sees it.
/// </summary>
public sealed record IncomingRequest(string? Id, int? Cpus, int? MemoryMiB, string? RelaySecret, NicRequest? Nic = null, int? DiskMiB = null, string? Image = null);
