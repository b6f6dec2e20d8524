namespace Roost.Core.Migration;

/// <summary>
/// What the source's QEMU is told before <c>migrate</c>: a bandwidth cap (bytes/s, 0 for QEMU's default), the
/// downtime QEMU aims for when it stops the guest, and the <c>postcopy-ram</c> capability (which only allows a later
/// <c>migrate-start-postcopy</c>; it starts nothing by itself).
/// </summary>
public sealed record StreamParameters(long MaxBandwidthBytesPerSecond, TimeSpan DowntimeLimit, bool PostCopyRam);
