using System.Text.Json;
using Roost.Core.Migration;

namespace Roost.Hypervisor.Qmp;

/// <summary>
/// The answer to <c>query-migrate</c>. Bytes are RAM bytes on the wire; <see cref="DirtySyncCount"/> counts the
/// pre-copy rounds. Durations are QEMU's own figures, present once the migration has completed.
/// </summary>
public sealed record MigrationInfo(
    string Status,
    long TransferredBytes,
    long RemainingBytes,
    long TotalRamBytes,
    long DirtySyncCount,
    TimeSpan? TotalTime,
    TimeSpan? Downtime,
    string? Error)
{
    public static MigrationInfo Parse(JsonElement result)
    {
        var status = result.TryGetProperty("status", out var s) ? s.GetString() ?? "none" : "none";
        long transferred = 0, remaining = 0, total = 0, rounds = 0;
        if (result.TryGetProperty("ram", out var ram))
        {
            transferred = Long(ram, "transferred");
            remaining = Long(ram, "remaining");
            total = Long(ram, "total");
            rounds = Long(ram, "dirty-sync-count");
        }

        return new MigrationInfo(
            status,
            transferred,
            remaining,
            total,
            rounds,
            Millis(result, "total-time"),
            Millis(result, "downtime"),
            result.TryGetProperty("error-desc", out var e) ? e.GetString() : null);
    }

    /// <summary>This report as the migration machine reads it. An unknown status counts as active: never as over.</summary>
    public StreamProgress ToStreamProgress() => new(
        Status switch
        {
            "none" => StreamStatus.None,
            "setup" => StreamStatus.Setup,
            "postcopy-active" or "postcopy-paused" or "postcopy-recover" => StreamStatus.PostCopyActive,
            "pre-switchover" or "device" or "wait-unplug" => StreamStatus.Switchover,
            "cancelling" => StreamStatus.Cancelling,
            "cancelled" => StreamStatus.Cancelled,
            "completed" => StreamStatus.Completed,
            "failed" => StreamStatus.Failed,
            _ => StreamStatus.Active,
        },
        TransferredBytes,
        RemainingBytes,
        TotalRamBytes,
        DirtySyncCount,
        TotalTime,
        Downtime,
        Error);

    private static long Long(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt64(out var number) ? number : 0;

    private static TimeSpan? Millis(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.TryGetInt64(out var ms) ? TimeSpan.FromMilliseconds(ms) : null;
}
