namespace Roost.Controller.Api;

/// <summary>A new VM: its size, and optionally the host it must go on (else the controller places it).</summary>
public sealed record CreateVmRequest(string? Name, double CpuCores, double MemoryMiB, double NetworkMbps, int? Host);
