using Roost.Controller.Store;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Store;

/// <summary>The contract on a private PostgreSQL server started for this class (see <see cref="PostgresServer"/>).</summary>
public sealed class PostgresControllerStoreTests : ControllerStoreContractTests, IClassFixture<PostgresServer>
{
    private readonly PostgresServer _server;

    public PostgresControllerStoreTests(PostgresServer server, ITestOutputHelper output)
    {
        _server = server;
        Log = output.WriteLine;
    }

    protected override string SkipReason => $"SKIPPED: {_server.Unavailable}; nothing was checked on PostgreSQL.";

    protected override async Task<IControllerStore?> CreateStoreAsync()
    {
        if (_server.Unavailable is not null)
        {
            return null;
        }

        var database = await _server.CreateDatabaseAsync();
        var store = new PostgresControllerStore(_server.ConnectionString(database));
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task<IControllerStore> ReopenAsync(IControllerStore store)
    {
        var description = store.Description;
        await store.DisposeAsync();
        var database = description[(description.LastIndexOf('/') + 1)..];
        var reopened = new PostgresControllerStore(_server.ConnectionString(database));
        await reopened.MigrateAsync(default);
        return reopened;
    }
}
