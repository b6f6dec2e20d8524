using System.Globalization;
using System.Text;
using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// A completed migration. <see cref="TotalMs"/> is Roost's end-to-end time (request to VM running at the
/// destination, peer calls included); <see cref="QemuTotalMs"/> and <see cref="DowntimeMs"/> are QEMU's own figures.
/// <see cref="HandoverMs"/> is the time from QEMU's "completed" to the destination confirming it resumed the guest:
/// the guest is paused on both sides meanwhile, so its real downtime is at most DowntimeMs + HandoverMs.
/// <see cref="TransferredBytes"/> is QEMU's count of RAM bytes it sent (before any relay).
/// </summary>
public sealed record MigrationReport(
    string Id,
    string Source,
    string Destination,
    long TotalMs,
    long QemuTotalMs,
    long DowntimeMs,
    long HandoverMs,
    long TransferredBytes,
    long Rounds,
    long MemoryBytes)
{
    /// <summary>How the stream travelled: <see cref="MigrationTransportKind.Relay"/> or plain TCP.</summary>
    public MigrationTransportKind Transport { get; init; } = MigrationTransportKind.Tcp;

    /// <summary>
    /// Through the relay: the source relay's count of what it carried, by kind (QEMU's stream, zero pages, pages sent
    /// whole, deduplicated, as deltas, the encoded payload and the compressed bytes on the wire); null over plain TCP.
    /// </summary>
    public RelayTraffic? Relay { get; init; }

    /// <summary>The size of the VM's virtual disk, moved with its memory (0: no disk).</summary>
    public long DiskBytes { get; init; }

    /// <summary>What the disk's NBD relay carried (the mirror's writes, by kind, and the bytes on the wire); null without a disk.</summary>
    public RelayTraffic? Disk { get; init; }

    /// <summary>The pre-copy passes as the source saw them, in order.</summary>
    public IReadOnlyList<MigrationPass> Passes { get; init; } = [];

    /// <summary>
    /// The report on one line for people (the controller's action outcome, the dashboard's migration log): times,
    /// QEMU's bytes, the relay's bytes by kind and on the wire, and the first passes (at most <paramref name="maxPasses"/>).
    /// </summary>
    public string Describe(int maxPasses = 8)
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.Append(c, $"{Transport.ToString().ToLowerInvariant()}, {TotalMs} ms (QEMU {QemuTotalMs} ms), downtime {DowntimeMs} ms + handover {HandoverMs} ms, ");
        text.Append(c, $"QEMU sent {Megabytes(TransferredBytes)} of {MemoryBytes / (1024 * 1024)} MiB RAM in {Rounds} rounds");
        if (Relay is { } r)
        {
            text.Append(c, $"; relay: {Megabytes(r.StreamBytes)} stream -> {Megabytes(r.WireBytes)} on the wire ({(r.StreamBytes > 0 ? (double)r.WireBytes / r.StreamBytes : 0):0.00}x): ");
            text.Append(c, $"raw {r.FullPages} pages ({Megabytes(r.FullBytes)}), zero {r.ZeroPages}, deduplicated {r.DeduplicatedPages}, delta {r.DeltaPages} ({Megabytes(r.DeltaBytes)}), ");
            text.Append(c, $"payload {Megabytes(r.PayloadBytes)} compressed in {r.CompressedFrames} of {r.Frames} frames");
        }

        if (Disk is { } d)
        {
            text.Append(c, $"; disk {DiskBytes / (1024 * 1024)} MiB: NBD stream {Megabytes(d.StreamBytes)} -> {Megabytes(d.WireBytes)} on the wire, ");
            text.Append(c, $"blocks raw {d.FullPages}, zero {d.ZeroPages}, deduplicated {d.DeduplicatedPages}, delta {d.DeltaPages}");
        }

        foreach (var pass in Passes.Take(maxPasses))
        {
            text.Append(c, $"; pass {pass.Number}: {pass.DirtyPages} dirty pages");
            if (pass.DirtyPagesPerSecond is { } rate)
            {
                text.Append(c, $", {rate} pages/s dirtied");
            }
        }

        if (Passes.Count > maxPasses)
        {
            text.Append(c, $"; {Passes.Count - maxPasses} more passes");
        }

        return text.ToString();
    }

    private static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB");
}
