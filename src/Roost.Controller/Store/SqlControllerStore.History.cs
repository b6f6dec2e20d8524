using System.Data.Common;
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

    private const string AddEventSql = "INSERT INTO events (at_ms, kind, message, entity, severity) VALUES (@at, @kind, @message, @entity, @severity) RETURNING id";

    private const string EventColumns = "id, at_ms, kind, message, entity, severity";

    // Severity at least @severity: the names of that severity and the worse ones (info < warning < error).
    private const string EventFilterSql = "severity IN (@s0, @s1, @s2) AND (@entity = '' OR entity = @entity)";

    public async Task<StoredEvent> AddEventAsync(DateTimeOffset at, NewEvent e, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(e);
        var stored = Checked(e);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = await ScalarLongAsync(connection, null, AddEventSql, cancellationToken, EventParameters(at, stored)).ConfigureAwait(false);
        return new StoredEvent(id, DateTimeOffset.FromUnixTimeMilliseconds(at.ToUnixTimeMilliseconds()), stored.Kind, stored.Message, stored.Entity, stored.Severity);
    }

    private static NewEvent Checked(NewEvent e) =>
        e with { Kind = StoredValues.Name(e.Kind, "event kind"), Message = StoredValues.Text(e.Message), Entity = StoredValues.Text(e.Entity) };

    private static (string, object?)[] EventParameters(DateTimeOffset at, NewEvent e)
    {
        var stored = Checked(e);
        return [("at", at.ToUnixTimeMilliseconds()), ("kind", stored.Kind), ("message", stored.Message), ("entity", stored.Entity), ("severity", Name(stored.Severity))];
    }

    public async Task<IReadOnlyList<StoredEvent>> GetEventsAsync(long afterId, int limit, EventFilter filter, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {EventColumns} FROM events WHERE id > @after AND {EventFilterSql} ORDER BY id LIMIT @limit",
            ReadEvent,
            cancellationToken,
            [("after", afterId), ("limit", (long)limit), .. FilterParameters(filter)]).ConfigureAwait(false);

    public async Task<IReadOnlyList<StoredEvent>> GetRecentEventsAsync(int limit, EventFilter filter, CancellationToken cancellationToken) =>
        await QueryAsync(
            $"SELECT {EventColumns} FROM events WHERE {EventFilterSql} ORDER BY id DESC LIMIT @limit",
            ReadEvent,
            cancellationToken,
            [("limit", (long)limit), .. FilterParameters(filter)]).ConfigureAwait(false);

    private static StoredEvent ReadEvent(DbDataReader r) =>
        new(Long(r, 0), Time(r, 1), r.GetString(2), r.GetString(3), r.GetString(4), Enum.Parse<EventSeverity>(r.GetString(5), ignoreCase: true));

    private static (string, object?)[] FilterParameters(EventFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var kept = Enum.GetValues<EventSeverity>().Where(s => s >= filter.AtLeast).Select(Name).ToList();
        return [("s0", kept[0]), ("s1", kept[Math.Min(1, kept.Count - 1)]), ("s2", kept[^1]), ("entity", filter.Entity ?? "")];
    }

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
