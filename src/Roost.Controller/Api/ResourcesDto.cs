using Roost.Core.Model;

namespace Roost.Controller.Api;

/// <summary>An amount of CPU (cores), memory (MiB) and network (Mbit/s).</summary>
public sealed record ResourcesDto(double CpuCores, double MemoryMiB, double NetworkMbps)
{
    public static ResourcesDto From(ResourceVector v) => new(Math.Round(v.CpuCores, 3), Math.Round(v.MemoryMiB, 1), Math.Round(v.NetworkMbps, 1));
}
