namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of <c>POST /api/vms/{id}/memtest</c>: run the guest's memory verifier over <see cref="Mib"/> MiB, rewriting
/// <see cref="PagesPerSecond"/> pages a second.
/// </summary>
public sealed record MemtestRequest(int? Mib, int? PagesPerSecond);
