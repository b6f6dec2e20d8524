namespace Roost.Core.Migration;

/// <summary>
/// One <c>query-migrate</c> answer: bytes are RAM bytes; <see cref="Rounds"/> counts pre-copy passes over dirty
/// memory; <see cref="Elapsed"/> and <see cref="Downtime"/> are QEMU's own figures (null when QEMU gives none).
/// </summary>
public sealed record StreamProgress(
    StreamStatus Status,
    long TransferredBytes,
    long RemainingBytes,
    long TotalBytes,
    long Rounds,
    TimeSpan? Elapsed,
    TimeSpan? Downtime,
    string? Error)
{
    /// <summary>True once the stream can no longer change (QEMU is done with it, one way or the other).</summary>
    public bool IsOver => Status is StreamStatus.None or StreamStatus.Cancelled or StreamStatus.Completed or StreamStatus.Failed;
}
