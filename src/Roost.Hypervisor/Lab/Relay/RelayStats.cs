namespace Roost.Hypervisor.Lab.Relay;

/// <summary>A relay's counters as written to its stats file once a second (and at exit).</summary>
public sealed record RelayStats(
    int Pid,
    TimeSpan OneWayDelay,
    long QueueBytesPerPort,
    bool RealTime,
    TimeSpan ProcessorTime,
    TimeSpan Uptime,
    IReadOnlyList<RelayPortStats> Ports);
