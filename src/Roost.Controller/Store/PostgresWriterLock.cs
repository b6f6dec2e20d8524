using Npgsql;

namespace Roost.Controller.Store;

/// <summary>
/// A session-level advisory lock held on a dedicated connection (no pooling, TCP keepalive): PostgreSQL releases it
/// when that session ends, which it notices at once when the holder's process dies (its socket closes) and after the
/// keepalive when the holder's machine vanishes. <see cref="EnsureHeldAsync"/> asks the server whether this session
/// still holds it.
/// </summary>
internal sealed class PostgresWriterLock : IStoreWriterLock
{
    /// <summary>The advisory lock key: "Roost" in ASCII; advisory locks are per database, so one per store.</summary>
    public const long Key = 0x526F6F7374;

    private readonly NpgsqlConnection _session;
    private readonly SemaphoreSlim _use = new(1, 1);

    private PostgresWriterLock(NpgsqlConnection session, string store)
    {
        _session = session;
        Description = $"advisory lock {Key} on {store}";
    }

    public string Description { get; }

    /// <summary>The lock, or null when another session holds it. Throws what Npgsql throws when the server is unreachable.</summary>
    public static async Task<PostgresWriterLock?> TryAcquireAsync(NpgsqlConnectionStringBuilder connection, string store, CancellationToken cancellationToken)
    {
        var dedicated = new NpgsqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false, KeepAlive = 5, TcpKeepAlive = true };
        var session = new NpgsqlConnection(dedicated.ConnectionString);
        try
        {
            await session.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", session);
            command.Parameters.AddWithValue("key", Key);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                return new PostgresWriterLock(session, store);
            }
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        await session.DisposeAsync().ConfigureAwait(false);
        return null;
    }

    public async Task EnsureHeldAsync(CancellationToken cancellationToken)
    {
        await _use.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A bigint key shows in pg_locks as classid (high 32 bits), objid (low 32 bits), objsubid 1.
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted AND classid::bigint = @high AND objid::bigint = @low AND objsubid = 1",
                _session);
            command.Parameters.AddWithValue("high", (long)(Key >> 32));
            command.Parameters.AddWithValue("low", Key & 0xFFFFFFFF);
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not (long and > 0))
            {
                throw new WriterLockLostException($"{Description}: no longer held by this session");
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            throw new WriterLockLostException($"{Description}: its session is gone ({e.Message.TrimEnd('.')})", e);
        }
        finally
        {
            _use.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync().ConfigureAwait(false);
        _use.Dispose();
    }
}
