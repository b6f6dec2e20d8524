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
/// With <c>linkBytes</c> (what the relay has put on the link so far) it also keeps QEMU's
/// <c>avail-switchover-bandwidth</c> at the link's measured rate: QEMU otherwise judges its downtime by how fast the
/// relay takes its stream, which compression makes several times the link's rate, and would stop with more left to
/// send than its downtime target allows (the pages left at the end are the busiest, which compress least).
/// </summary>
public static class SmartStopDriver
{
    /// <summary>QEMU's largest <c>downtime-limit</c> (MAX_MIGRATE_DOWNTIME_SECONDS = 2000 s), in milliseconds.</summary>
    public const long ForceStopDowntimeMs = 2_000_000;

    /// <summary>What the rule saw and did: the passes, and when and why it forced the stop (null: QEMU converged first); also when cancelled.</summary>
    public sealed record Outcome(IReadOnlyList<PrecopyRound> Rounds, long? StoppedAtPass, string? Reason, string FinalStatus);

    /// <summary>The window over which the link's rate is measured.</summary>
    private static readonly TimeSpan _rateWindow = TimeSpan.FromSeconds(1);

    public static async Task<Outcome> RunAsync(QmpClient qmp, SmartStopOptions options, TimeSpan poll, TimeProvider time, CancellationToken cancellationToken, Func<long>? linkBytes = null)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(time);
        var rule = new SmartStop(options);
        var samples = new Queue<(long At, long Bytes)>();
        long bandwidthSet = 0;
        long? stoppedAt = null;
        var status = "none";
        var started = false;
        try
        {
            while (true)
            {
                var info = await qmp.QueryMigrateAsync(cancellationToken).ConfigureAwait(false);
                status = info.Status;
                var progress = ToProgress(info);
                started |= progress.Status is StreamStatus.Setup or StreamStatus.Active;
                if (started && progress.IsOver)
                {
                    break;
                }

                if (linkBytes is not null && progress.Status == StreamStatus.Active)
                {
                    bandwidthSet = await FeedBandwidthAsync(qmp, samples, (time.GetTimestamp(), linkBytes()), bandwidthSet, time, cancellationToken).ConfigureAwait(false);
                }

                if (rule.Observe(progress) && stoppedAt is null)
                {
                    stoppedAt = progress.Rounds;
                    await qmp.ExecuteAsync("migrate-set-parameters", new JsonObject { ["downtime-limit"] = ForceStopDowntimeMs }, cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(poll, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The caller is done (its relay finished or gave up): what was seen so far is the outcome.
        }
        catch (Exception e) when (e is QmpException or IOException or ObjectDisposedException)
        {
            // The source QEMU went away or refused a parameter: the rule stops here, the migration goes on without it.
            status = $"{status}; QMP: {e.Message}";
        }

        return new Outcome([.. rule.Rounds], stoppedAt, rule.StopReason, status);
    }

    /// <summary>Adds a sample; when a whole window is covered and its rate moved by a tenth or more, tells QEMU. Returns the rate QEMU holds.</summary>
    private static async Task<long> FeedBandwidthAsync(QmpClient qmp, Queue<(long At, long Bytes)> samples, (long At, long Bytes) now, long current, TimeProvider time, CancellationToken cancellationToken)
    {
        samples.Enqueue(now);
        while (samples.Count > 2 && time.GetElapsedTime(samples.ElementAt(1).At, now.At) >= _rateWindow)
        {
            samples.Dequeue();
        }

        var (firstAt, firstBytes) = samples.Peek();
        var span = time.GetElapsedTime(firstAt, now.At);
        if (span < _rateWindow || now.Bytes <= firstBytes)
        {
            return current;
        }

        var rate = (long)((now.Bytes - firstBytes) / span.TotalSeconds);
        if (current > 0 && Math.Abs(rate - current) < current / 10)
        {
            return current;
        }

        await qmp.ExecuteAsync("migrate-set-parameters", new JsonObject { ["avail-switchover-bandwidth"] = rate }, cancellationToken).ConfigureAwait(false);
        return rate;
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
