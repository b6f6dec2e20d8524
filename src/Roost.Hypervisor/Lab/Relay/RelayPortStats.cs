namespace Roost.Hypervisor.Lab.Relay;

/// <summary>
/// Counters of one relay port (one site's WAN interface) since the relay started. "In" is what the site sent into
/// the WAN, "out" what the WAN delivered to the site.
/// </summary>
public sealed record RelayPortStats(
    string Port,
    long FramesIn,
    long BytesIn,
    long FramesOut,
    long BytesOut,
    long QueueDrops,
    long SendFailures,
    long Truncated,
    long KernelDrops,
    long PeakQueuedBytes)
{
    /// <summary>Every frame lost on this port, whatever the cause.</summary>
    public long Lost => QueueDrops + SendFailures + Truncated + KernelDrops;
}
