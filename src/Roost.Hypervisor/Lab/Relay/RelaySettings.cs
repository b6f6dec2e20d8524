namespace Roost.Hypervisor.Lab.Relay;

/// <summary>
/// What one relay process does: the WAN-side interfaces it joins (one per site, in its own network namespace),
/// the one-way delay it adds each way, the bytes each site's direction may hold (drop-tail beyond), where it writes
/// its counters, and the process whose death ends it (null: it runs until signalled or its interfaces vanish).
/// </summary>
public sealed record RelaySettings(
    IReadOnlyList<string> Ports,
    TimeSpan OneWayDelay,
    long QueueBytesPerPort,
    string StatsPath,
    ProcessIdentity? Owner)
{
    /// <summary>The largest frame read whole: far above the WAN's 1600-byte MTU plus headers, so a truncation means a misconfigured link.</summary>
    public const int MaxFrameBytes = 16 * 1024;

    /// <summary>Kernel socket buffer per port (each way): about 10 ms at 10 Gbit/s, so a late wake-up loses nothing.</summary>
    public const int SocketBufferBytes = 16 * 1024 * 1024;

    /// <summary>How often counters are written and the owner is checked.</summary>
    public static readonly TimeSpan HousekeepingInterval = TimeSpan.FromSeconds(1);
}
