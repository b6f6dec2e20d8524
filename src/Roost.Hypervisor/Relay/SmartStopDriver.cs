using System.Text.Json.Nodes;
using Roost.Core.Migration;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Relay;

/// <summary>
/// Applies CloudNet's smart stop to a running QEMU pre-copy migration: polls <c>query-migrate</c> on the source's QMP,
/// feeds each answer to <see cref="SmartStop"/>, and when the rule says the dirty set stopped shrinking raises QEMU's
/// <c>downtime-limit</c> to its maximum, so QEMU stops the guest and sends the rest at its next convergence check
/// (rather than iterating until the remaining set fits its fixed downtime target). Ends when the migration is over.
/// </summary>
public static class SmartStopDriver
{
    /// <summary>QEMU's largest <c>downtime-limit</c> (MAX_MIGRATE_DOWNTIME_SECONDS = 2000 s), in milliseconds.</summary>
    public const long ForceStopDowntimeMs = 2_000_000;

    /// <summary>What the rule saw and did: the passes, and when and why it forced the stop (null: QEMU converged first).</summary>
    public sealed record Outcome(IReadOnlyList<PrecopyRound> Rounds, long? StoppedAtPass, string? Reason, string FinalStatus);

    public static async Task<Outcome> RunAsync(QmpClient qmp, SmartStopOptions options, TimeSpan poll, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(time);
        var rule = new SmartStop(options);
        long? stoppedAt = null;
        var status = "none";
        var started = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            MigrationInfo info;
            try
            {
                info = await qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is QmpException or IOException or ObjectDisposedException)
            {
                // The source QEMU went away (it quits once a migration hands over): the migration is over for us.
                status = $"QMP closed ({e.Message})";
                break;
            }

            status = info.Status;
            var progress = ToProgress(info);
            started |= progress.Status is StreamStatus.Setup or StreamStatus.Active;
            if (started && progress.IsOver)
            {
                break;
            }

            if (rule.Observe(progress) && stoppedAt is null)
            {
                stoppedAt = progress.Rounds;
                await qmp.ExecuteAsync("migrate-set-parameters", new JsonObject { ["downtime-limit"] = ForceStopDowntimeMs }, cancellationToken).ConfigureAwait(false);
            }

            await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
        }

        return new Outcome([.. rule.Rounds], stoppedAt, rule.StopReason, status);
    }

    /// <summary>QEMU's status names (qapi MigrationStatus) mapped onto the stream states the migration machines use.</summary>
    public static StreamProgress ToProgress(MigrationInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var status = info.Status switch
        {
            "setup" => StreamStatus.Setup,
            "active" or "pre-switchover" or "wait-unplug" => StreamStatus.Active,
            "postcopy-active" or "postcopy-paused" or "postcopy-recover" or "postcopy-recover-setup" => StreamStatus.PostCopyActive,
            "device" => StreamStatus.Switchover,
            "cancelling" => StreamStatus.Cancelling,
            "cancelled" => StreamStatus.Cancelled,
            "completed" => StreamStatus.Completed,
            "failed" => StreamStatus.Failed,
            _ => StreamStatus.None,
        };
        return new StreamProgress(status, info.TransferredBytes, info.RemainingBytes, info.TotalRamBytes, info.DirtySyncCount, info.TotalTime, info.Downtime, info.Error);
    }
}
