namespace Roost.Hypervisor.Lab;

/// <summary>
/// One bulk TCP transfer across the WAN: bytes the sender wrote, bytes the receiver read, and the bytes the
/// receiving kernel took in order during the measured window (from the warm-up's end until the sender stopped). Goodput excludes TCP/IP/Ethernet headers,
/// so a link shaped at R carries at most about 0.96 R of it with 1500-byte segments.
/// </summary>
public sealed record ThroughputSample(long SentBytes, long ReceivedBytes, long MeasuredBytes, TimeSpan Measured)
{
    public double BitsPerSecond => Measured > TimeSpan.Zero ? MeasuredBytes * 8 / Measured.TotalSeconds : 0;
}
