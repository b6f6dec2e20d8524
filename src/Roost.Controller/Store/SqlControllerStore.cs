using System.Data.Common;
using System.Globalization;
using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>
/// <see cref="IControllerStore"/> over ADO.NET, one SQL text for both dialects (named <c>@p</c> parameters,
/// <c>ON CONFLICT … DO UPDATE</c>, <c>RETURNING</c>). Each call opens a pooled connection and, where it writes more
/// than one row, a transaction. Subclasses supply connections and the auto-increment key type.
/// </summary>
internal abstract partial class SqlControllerStore : IControllerStore
{
    public abstract string Description { get; }

    public abstract IReadOnlyList<string> Files { get; }

    public abstract Task<IStoreWriterLock?> TryLockAsync(CancellationToken cancellationToken);

    /// <summary>The dialect's auto-increment primary key column definition.</summary>
    protected abstract string IdentityColumn { get; }

    protected abstract ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)", cancellationToken).ConfigureAwait(false);
        var current = await ScalarLongAsync(connection, null, "SELECT COALESCE(MAX(version), 0) FROM schema_version", cancellationToken).ConfigureAwait(false);
        foreach (var (version, statements) in SqlSchema.Migrations)
        {
            if (version <= current)
            {
                continue;
            }

            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            foreach (var statement in statements)
            {
                await ExecuteAsync(connection, transaction, statement.Replace("{id}", IdentityColumn, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            }

            await ExecuteAsync(connection, transaction, "INSERT INTO schema_version (version) VALUES (@v)", cancellationToken, ("v", (long)version)).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return SqlSchema.Latest;
    }

    public async Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken) =>
        await QueryAsync(
            "SELECT id, name, cpu_cores, memory_mib, network_mbps, maintenance FROM hosts ORDER BY id",
            r => new StoredHost(new HostId(Int(r, 0)), r.GetString(1), Vector(r, 2), Long(r, 5) != 0),
            cancellationToken).ConfigureAwait(false);

    private const string UpsertHostSql =
        """
        INSERT INTO hosts (id, name, cpu_cores, memory_mib, network_mbps, maintenance) VALUES (@id, @name, @cpu, @mem, @net, @m)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, cpu_cores = excluded.cpu_cores, memory_mib = excluded.memory_mib,
            network_mbps = excluded.network_mbps, maintenance = excluded.maintenance
        """;

    public async Task UpsertHostAsync(StoredHost host, CancellationToken cancellationToken) =>
        await ExecuteAsync(UpsertHostSql, cancellationToken, HostParameters(host)).ConfigureAwait(false);

    private static (string, object?)[] HostParameters(StoredHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var capacity = StoredValues.Resources(host.Capacity, $"{host.Id} capacity");
        return
        [
            ("id", (long)host.Id.Value), ("name", StoredValues.Name(host.Name, $"{host.Id}")), ("cpu", capacity.CpuCores), ("mem", capacity.MemoryMiB),
            ("net", capacity.NetworkMbps), ("m", host.Maintenance ? 1L : 0L),
        ];
    }

    public async Task<bool> SetMaintenanceAsync(HostId host, bool maintenance, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE hosts SET maintenance = @m WHERE id = @id",
            cancellationToken,
            ("m", maintenance ? 1L : 0L), ("id", (long)host.Value)).ConfigureAwait(false) == 1;

    private const string VmColumns = "id, name, host_id, cpu_cores, memory_mib, network_mbps, state, last_moved_at_ms, requested_host_id, image";

    public async Task<IReadOnlyList<StoredVm>> GetVmsAsync(CancellationToken cancellationToken) =>
        await QueryAsync($"SELECT {VmColumns} FROM vms WHERE state <> @deleted ORDER BY id", ReadVm, cancellationToken, ("deleted", Name(VmState.Deleted))).ConfigureAwait(false);

    public async Task<StoredVm?> FindVmAsync(VmId vm, CancellationToken cancellationToken) =>
        FirstOrNull(await QueryAsync($"SELECT {VmColumns} FROM vms WHERE id = @id AND state <> @deleted", ReadVm, cancellationToken, ("id", (long)vm.Value), ("deleted", Name(VmState.Deleted))).ConfigureAwait(false));

    private const string UpsertVmSql =
        $"""
        INSERT INTO vms ({VmColumns}) VALUES (@id, @name, @host, @cpu, @mem, @net, @state, @moved, @req, @image)
        ON CONFLICT (id) DO UPDATE SET name = excluded.name, host_id = excluded.host_id, cpu_cores = excluded.cpu_cores,
            memory_mib = excluded.memory_mib, network_mbps = excluded.network_mbps, state = excluded.state,
            last_moved_at_ms = excluded.last_moved_at_ms, requested_host_id = excluded.requested_host_id, image = excluded.image
        """;

    public async Task UpsertVmAsync(StoredVm vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        await ExecuteAsync(UpsertVmSql, cancellationToken, VmParameters(vm)).ConfigureAwait(false);
    }

    public async Task<bool> SeedAsync(
        IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, ControllerSettings settings, DateTimeOffset at, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await ScalarLongAsync(connection, transaction, "SELECT COUNT(*) FROM hosts", cancellationToken).ConfigureAwait(false) > 0)
        {
            return false;
        }

        foreach (var host in hosts)
        {
            await ExecuteAsync(connection, transaction, UpsertHostSql, cancellationToken, HostParameters(host)).ConfigureAwait(false);
        }

        foreach (var vm in vms)
        {
            await ExecuteAsync(connection, transaction, UpsertVmSql, cancellationToken, VmParameters(vm)).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, SetValueSql, cancellationToken, SettingsParameters(settings)).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, AddEventSql, cancellationToken, EventParameters(at, NewEvent.Info("inventory", NewEvent.Controller, message))).ConfigureAwait(false);

        // A controller killed before this line leaves nothing behind: the next start seeds again, whole.
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<StoredVm> CreateVmAsync(NewVm vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);

        // The id is the next above every id ever used (deleted VMs keep their rows); the primary key turns a concurrent duplicate into an error, so
        // retry: two creations never share an id.
        for (var attempt = 0; ; attempt++)
        {
            await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            var next = await ScalarLongAsync(connection, null, "SELECT COALESCE(MAX(id), -1) + 1 FROM vms", cancellationToken).ConfigureAwait(false);
            var id = new VmId(checked((int)next));
            var stored = new StoredVm(id, vm.Name ?? id.ToString(), null, vm.Allocation, VmState.Pending, null, vm.RequestedHost, vm.Image);
            try
            {
                await ExecuteAsync(
                    connection,
                    null,
                    $"INSERT INTO vms ({VmColumns}) VALUES (@id, @name, @host, @cpu, @mem, @net, @state, @moved, @req, @image)",
                    cancellationToken,
                    VmParameters(stored)).ConfigureAwait(false);
                return stored;
            }
            catch (DbException) when (attempt < 5)
            {
                // Lost the race for this id; take the next.
            }
        }
    }

    public async Task SetVmPlacementAsync(VmId vm, HostId? host, ResourceVector allocation, TimeSpan? lastMovedAt, CancellationToken cancellationToken)
    {
        StoredValues.Resources(allocation, $"{vm} allocation");
        await ExecuteAsync(
            "UPDATE vms SET host_id = @host, cpu_cores = @cpu, memory_mib = @mem, network_mbps = @net, last_moved_at_ms = @moved WHERE id = @id",
            cancellationToken,
            ("host", host is { } h ? (long)h.Value : null), ("cpu", allocation.CpuCores), ("mem", allocation.MemoryMiB),
            ("net", allocation.NetworkMbps), ("moved", Millis(lastMovedAt)), ("id", (long)vm.Value)).ConfigureAwait(false);
    }

    public async Task<bool> TransitionVmAsync(VmId vm, VmState expected, VmState target, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE vms SET state = @to WHERE id = @id AND state = @from",
            cancellationToken,
            ("to", Name(target)), ("id", (long)vm.Value), ("from", Name(expected))).ConfigureAwait(false) == 1;

    private static (string, object?)[] VmParameters(StoredVm vm) =>
    [
        ("id", (long)vm.Id.Value), ("name", StoredValues.Name(vm.Name, $"{vm.Id}")), ("host", vm.Host is { } h ? (long)h.Value : null),
        ("cpu", StoredValues.Resources(vm.Allocation, $"{vm.Id} allocation").CpuCores), ("mem", vm.Allocation.MemoryMiB), ("net", vm.Allocation.NetworkMbps),
        ("state", Name(vm.State)), ("moved", Millis(vm.LastMovedAt)), ("req", vm.RequestedHost is { } r ? (long)r.Value : null),
        ("image", vm.Image),
    ];

    private static StoredVm ReadVm(DbDataReader r) =>
        new(
            new VmId(Int(r, 0)),
            r.GetString(1),
            r.IsDBNull(2) ? null : new HostId(Int(r, 2)),
            Vector(r, 3),
            Enum.Parse<VmState>(r.GetString(6), ignoreCase: true),
            r.IsDBNull(7) ? null : TimeSpan.FromMilliseconds(Long(r, 7)),
            r.IsDBNull(8) ? null : new HostId(Int(r, 8)),
            r.IsDBNull(9) ? null : r.GetString(9));

    protected static string Name<T>(T value)
        where T : struct, Enum => StoredValues.Defined(value).ToString().ToLowerInvariant();

    protected static long Long(DbDataReader reader, int ordinal) => Convert.ToInt64(reader.GetValue(ordinal), CultureInfo.InvariantCulture);

    protected static int Int(DbDataReader reader, int ordinal) => checked((int)Long(reader, ordinal));

    /// <summary>Three resource columns; a non-finite value (written by something other than this store) is corrupt data.</summary>
    protected static ResourceVector Vector(DbDataReader reader, int first)
    {
        var vector = new ResourceVector(reader.GetDouble(first), reader.GetDouble(first + 1), reader.GetDouble(first + 2));
        return double.IsFinite(vector.CpuCores) && double.IsFinite(vector.MemoryMiB) && double.IsFinite(vector.NetworkMbps)
            ? vector
            : throw new InvalidDataException($"the store holds a non-finite amount ({vector}) in table row columns {first}..{first + 2}");
    }

    protected static long? Millis(TimeSpan? value) => value is { } v ? (long)v.TotalMilliseconds : null;

    protected static long? Millis(DateTimeOffset? value) => value?.ToUnixTimeMilliseconds();

    protected static DateTimeOffset Time(DbDataReader reader, int ordinal) => DateTimeOffset.FromUnixTimeMilliseconds(Long(reader, ordinal));

    protected static DateTimeOffset? OptionalTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Time(reader, ordinal);
}
