namespace Roost.Controller.Store;

/// <summary>
/// The right to write a store, held by one controller at a time (<see cref="IControllerStore.TryLockAsync"/>): an
/// exclusive <c>flock</c> on a lock file beside a SQLite database, a session-level advisory lock on PostgreSQL. The
/// operating system or the database server releases it when its holder dies, however it dies.
/// </summary>
public interface IStoreWriterLock : IAsyncDisposable
{
    /// <summary>What is locked, for logs: <c>flock /data/roost.db.lock</c>, <c>advisory lock on postgres:host:5432/db</c>.</summary>
    string Description { get; }

    /// <summary>Throws <see cref="WriterLockLostException"/> when the lock is no longer held (its database session died).</summary>
    Task EnsureHeldAsync(CancellationToken cancellationToken);
}
