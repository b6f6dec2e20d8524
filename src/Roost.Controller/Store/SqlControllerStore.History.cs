using System.Globalization;
using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>Samples, events and settings.</summary>
internal abstract partial class SqlControllerStore
{
    private const string SettingsKey = "settings";

    public async Task AppendSamplesAsync(IReadOnlyList<HostSample> samples, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(samples);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var s in samples)
        {
            await ExecuteAsync(
                connection,
                transaction,
                """
                INSERT INTO samples (host_id, at_ms, cpu_cores, memory_mib, network_mbps) VALUES (@host, @at, @cpu, @mem, @net)
                ON CONFLICT (host_id, at_ms) DO UPDATE SET cpu_cores = excluded.cpu_cores, memory_mib = excluded.memory_mib, network_mbps = excluded.network_mbps
                """,
                cancellationToken,
                ("host", (long)s.Host.Value), ("at", s.At.ToUnixTimeMilliseconds()), ("cpu", StoredValues.Resources(s.Usage, $"{s.Host} sample").CpuCores), ("mem", s.Usage.MemoryMiB),
                ("net", s.Usage.NetworkMbps)).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<HostSample>> GetSamplesAsync(HostId? host, DateTimeOffset since, CancellationToken cancellationToken)
    {
        static HostSample Read(System.Data.Common.DbDataReader r) => new(new HostId(Int(r, 0)), Time(r, 1), Vector(r, 2));
        const string Columns = "host_id, at_ms, cpu_cores, memory_mib, network_mbps";
        return host is { } h
            ? await QueryAsync($"SELECT {Columns} FROM samples WHERE host_id = @host AND at_ms >= @since ORDER BY at_ms, host_id", Read, cancellationToken, ("host", (long)h.Value), ("since", since.ToUnixTimeMilliseconds())).ConfigureAwait(false)
            : await QueryAsync($"SELECT {Columns} FROM samples WHERE at_ms >= @since ORDER BY at_ms, host_id", Read, cancellationToken, ("since", since.ToUnixTimeMilliseconds())).ConfigureAwait(false);
    }

    public async Task<int> PruneSamplesAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM samples WHERE at_ms < @before", cancellationToken, ("before", before.ToUnixTimeMilliseconds())).ConfigureAwait(false);

    private const string AddEventSql = "INSERT INTO events (at_ms, kind, message) VALUES (@at, @kind, @message) RETURNING id";

    public async Task<StoredEvent> AddEventAsync(DateTimeOffset at, string kind, string message, CancellationToken cancellationToken)
    {
        kind = StoredValues.Name(kind, "event kind");
        message = StoredValues.Text(message);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = await ScalarLongAsync(connection, null, AddEventSql, cancellationToken, EventParameters(at, kind, message)).ConfigureAwait(false);
        return new StoredEvent(id, DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()), kind, message);
    }

    private static (string, object?)[] EventParameters(DateTimeOffset at, string kind, string message) =>
        [("at", at.ToUnixTimeMilliseconds()), ("kind", StoredValues.Name(kind, "event kind")), ("message", StoredValues.Text(message))];

    public async Task<IReadOnlyList<StoredEvent>> GetEventsAsync(long afterId, int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT id, at_ms, kind, message FROM events WHERE id > @after ORDER BY id LIMIT @limit",
            r => new StoredEvent(Long(r, 0), Time(r, 1), r.GetString(2), r.GetString(3)),
            cancellationToken,
            ("after", afterId), ("limit", (long)limit)).ConfigureAwait(false);

    public async Task<IReadOnlyList<StoredEvent>> GetRecentEventsAsync(int limit, CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT id, at_ms, kind, message FROM events ORDER BY id DESC LIMIT @limit",
            r => new StoredEvent(Long(r, 0), Time(r, 1), r.GetString(2), r.GetString(3)),
            cancellationToken,
            ("limit", (long)limit)).ConfigureAwait(false);

    public async Task<ControllerSettings?> GetSettingsAsync(CancellationToken cancellationToken)
    {
        var text = await GetValueAsync(SettingsKey, cancellationToken).ConfigureAwait(false);
        if (text is null)
        {
            return null;
        }

        // mode;threshold;maxConcurrentMigrations[;placement] (stores written before placement was a setting have three parts)
        var parts = text.Split(';');
        return new ControllerSettings(
            Enum.Parse<ControlMode>(parts[0], ignoreCase: true),
            double.Parse(parts[1], CultureInfo.InvariantCulture),
            int.Parse(parts[2], CultureInfo.InvariantCulture),
            parts.Length > 3 ? Enum.Parse<PlacementPolicy>(parts[3], ignoreCase: true) : PlacementPolicy.Spread);
    }

    public async Task SaveSettingsAsync(ControllerSettings settings, CancellationToken cancellationToken) =>
        await ExecuteAsync(SetValueSql, cancellationToken, SettingsParameters(settings)).ConfigureAwait(false);

    /// <summary>Settings as the one row <c>mode;threshold;maxConcurrentMigrations;placement</c>; invalid settings are refused.</summary>
    private static (string, object?)[] SettingsParameters(ControllerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), problem);
        }

        return [("key", SettingsKey), ("value", string.Create(CultureInfo.InvariantCulture, $"{Name(settings.Mode)};{settings.Threshold:R};{settings.MaxConcurrentMigrations};{Name(settings.Placement)}"))];
    }

    public async Task<string?> GetValueAsync(string key, CancellationToken cancellationToken) =>
        FirstOrNull(await QueryAsync("SELECT value FROM settings WHERE key = @key", r => r.GetString(0), cancellationToken, ("key", key)).ConfigureAwait(false));

    private const string SetValueSql = "INSERT INTO settings (key, value) VALUES (@key, @value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";

    public async Task SetValueAsync(string key, string value, CancellationToken cancellationToken) =>
        await ExecuteAsync(SetValueSql, cancellationToken, ("key", key), ("value", value)).ConfigureAwait(false);
}
