namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of <c>POST /api/vms/{id}/migrate</c>: the destination agent's base URL, its token when it differs from this
/// agent's, and an optional bandwidth cap in MiB/s (0 or absent: QEMU's default).
/// </summary>
public sealed record MigrateRequest(string? Destination, string? DestinationToken, int? MaxBandwidthMiBps);
