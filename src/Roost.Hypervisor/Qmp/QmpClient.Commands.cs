using System.Text.Json.Nodes;

namespace Roost.Hypervisor.Qmp;

/// <summary>Typed wrappers for the QMP commands Roost uses (QEMU QMP reference, "Commands and Events").</summary>
public sealed partial class QmpClient
{
    /// <summary><c>query-status</c>: the run state (<c>running</c>, <c>paused</c>, <c>inmigrate</c>, <c>postmigrate</c>, …).</summary>
    public async Task<string> QueryStatusAsync(CancellationToken cancellationToken)
    {
        var result = await ExecuteAsync("query-status", null, cancellationToken).ConfigureAwait(false);
        return result.GetProperty("status").GetString() ?? "unknown";
    }

    /// <summary><c>stop</c>: pause all vCPUs.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => ExecuteAsync("stop", null, cancellationToken);

    /// <summary><c>cont</c>: resume all vCPUs.</summary>
    public Task ContinueAsync(CancellationToken cancellationToken) => ExecuteAsync("cont", null, cancellationToken);

    /// <summary><c>system_powerdown</c>: ACPI power button.</summary>
    public Task PowerdownAsync(CancellationToken cancellationToken) => ExecuteAsync("system_powerdown", null, cancellationToken);

    /// <summary><c>quit</c>: QEMU exits at once.</summary>
    public Task QuitAsync(CancellationToken cancellationToken) => ExecuteAsync("quit", null, cancellationToken);

    /// <summary><c>migrate</c>: start an outgoing live migration to <paramref name="uri"/> (e.g. <c>tcp:127.0.0.1:4444</c>).</summary>
    public Task MigrateAsync(string uri, CancellationToken cancellationToken) =>
        ExecuteAsync("migrate", new JsonObject { ["uri"] = uri }, cancellationToken);

    /// <summary>
    /// <c>migrate-set-capabilities</c> with <c>postcopy-ram</c> on or off. Post-copy needs it on both QEMUs before the
    /// stream starts (the destination while it waits under <c>-incoming</c>); then <see cref="StartPostCopyAsync"/>.
    /// </summary>
    public Task SetPostCopyRamAsync(bool enabled, CancellationToken cancellationToken) =>
        ExecuteAsync("migrate-set-capabilities", new JsonObject
        {
            ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "postcopy-ram", ["state"] = enabled }),
        }, cancellationToken);

    /// <summary><c>migrate-start-postcopy</c>: switch the running pre-copy stream to post-copy (source side).</summary>
    public Task StartPostCopyAsync(CancellationToken cancellationToken) => ExecuteAsync("migrate-start-postcopy", null, cancellationToken);

    /// <summary><c>migrate_cancel</c>: abort the outgoing migration; the source keeps running.</summary>
    public Task MigrateCancelAsync(CancellationToken cancellationToken) => ExecuteAsync("migrate_cancel", null, cancellationToken);

    /// <summary><c>human-monitor-command</c>: one HMP command line (a fixed string chosen by Roost), its text answer.</summary>
    public async Task<string> HumanMonitorCommandAsync(string commandLine, CancellationToken cancellationToken) =>
        (await ExecuteAsync("human-monitor-command", new JsonObject { ["command-line"] = commandLine }, cancellationToken).ConfigureAwait(false)).GetString() ?? "";

    /// <summary><c>query-migrate</c>: status and RAM counters of the current or last migration.</summary>
    public async Task<MigrationInfo> QueryMigrateAsync(CancellationToken cancellationToken) =>
        MigrationInfo.Parse(await ExecuteAsync("query-migrate", null, cancellationToken).ConfigureAwait(false));

    /// <summary>QEMU's own default cap on a migration stream (<c>MAX_THROTTLE</c>, 128 MiB/s).</summary>
    public const long DefaultMaxBandwidth = 128L * 1024 * 1024;

    /// <summary>
    /// <c>migrate-set-parameters</c>: bandwidth cap in bytes per second (0 = QEMU's default, set explicitly: parameters
    /// outlive a migration, so a cap left by an earlier one would otherwise stay) and the downtime QEMU aims for when
    /// it decides to stop the source.
    /// </summary>
    public Task SetMigrationParametersAsync(long maxBandwidthBytesPerSecond, TimeSpan downtimeLimit, CancellationToken cancellationToken)
    {
        var arguments = new JsonObject
        {
            ["downtime-limit"] = (long)downtimeLimit.TotalMilliseconds,
            ["max-bandwidth"] = maxBandwidthBytesPerSecond > 0 ? maxBandwidthBytesPerSecond : DefaultMaxBandwidth,
        };
        return ExecuteAsync("migrate-set-parameters", arguments, cancellationToken);
    }
}
