using System.Data.Common;
using Microsoft.Data.Sqlite;
using Roost.Controller.Security;

namespace Roost.Controller.Store;

/// <summary>
/// The default store: one SQLite file, in WAL mode so the API reads while the control loop writes. The file is created
/// 0600 before SQLite first opens it (SQLite gives its <c>-wal</c> and <c>-shm</c> files the database's mode); the
/// writer lock is a <c>flock</c> on <c>PATH.lock</c>.
/// </summary>
internal sealed class SqliteControllerStore : SqlControllerStore
{
    private readonly string _connectionString;
    private int _created;

    public SqliteControllerStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
            Pooling = true,
        }.ToString();
    }

    public string Path { get; }

    public override string Description => $"sqlite:{Path}";

    public override IReadOnlyList<string> Files => [Path, Path + "-wal", Path + "-shm", LockPath];

    private string LockPath => Path + ".lock";

    public override Task<IStoreWriterLock?> TryLockAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IStoreWriterLock?>(FileWriterLock.TryAcquire(LockPath));

    protected override string IdentityColumn => "INTEGER PRIMARY KEY AUTOINCREMENT";

    protected override async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _created, 1) == 0)
        {
            OwnerOnly.CreateFile(Path);
        }

        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
        await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    public override ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; release this store's so the data directory can be moved or deleted.
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}
