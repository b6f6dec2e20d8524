using System.Globalization;

namespace Roost.Core.Recovery;

/// <summary>The cloud site's knobs, with their one validation.</summary>
public sealed record ReplicationManagerOptions
{
    /// <summary>How often a checkpoint is taken (when anything was applied since the last).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many checkpoints the journal keeps; older ones are folded into the base image.</summary>
    public int RetainCheckpoints { get; init; } = 60;

    /// <summary>Largest write accepted, in bytes (a write is at most one NBD request).</summary>
    public int MaxWriteBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Most writes of one VM held out of order while an earlier one is missing; further ones are dropped (the primary resends them).</summary>
    public int MaxOutOfOrderWrites { get; init; } = 1024;

    /// <summary>
    /// Silence from a VM's primary (no write, no heartbeat) longer than this declares that primary lost; null never
    /// does. A VM never heard from since the manager started is not declared lost (nothing to compare against).
    /// </summary>
    public TimeSpan? LossAfter { get; init; }

    public string? Validate() =>
        CheckpointInterval <= TimeSpan.Zero || CheckpointInterval > TimeSpan.FromDays(1) ? $"replication manager CheckpointInterval {CheckpointInterval} is not above zero and at most a day"
        : RetainCheckpoints is < 1 or > 100_000 ? string.Create(CultureInfo.InvariantCulture, $"replication manager RetainCheckpoints {RetainCheckpoints} is not from 1 to 100000")
        : MaxWriteBytes is < 1 or > 64 * 1024 * 1024 ? string.Create(CultureInfo.InvariantCulture, $"replication manager MaxWriteBytes {MaxWriteBytes} is not from 1 to 67108864")
        : MaxOutOfOrderWrites is < 0 or > 1_048_576 ? string.Create(CultureInfo.InvariantCulture, $"replication manager MaxOutOfOrderWrites {MaxOutOfOrderWrites} is not from 0 to 1048576")
        : LossAfter is { } loss && (loss < TimeSpan.FromMilliseconds(10) || loss > TimeSpan.FromDays(1)) ? $"replication manager LossAfter {loss} is not from 10 ms to a day"
        : null;
}
