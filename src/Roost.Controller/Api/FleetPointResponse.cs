using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// The fleet at one stored sample instant (one per sample interval, 10 s by default, kept across restarts): hosts
/// sampled, summed usage in cores, MiB and Mbit/s, migrations started since the previous instant.
/// </summary>
public sealed record FleetPointResponse(DateTimeOffset At, int Hosts, double CpuCores, double MemoryMiB, double NetworkMbps, int MigrationsStarted)
{
    public static FleetPointResponse From(FleetTotal t)
    {
        ArgumentNullException.ThrowIfNull(t);
        return new(t.At, t.HostsSampled, Math.Round(t.Usage.CpuCores, 2), Math.Round(t.Usage.MemoryMiB), Math.Round(t.Usage.NetworkMbps, 1), t.MigrationsStarted);
    }
}
