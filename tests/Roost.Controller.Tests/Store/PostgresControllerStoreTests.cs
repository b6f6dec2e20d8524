using Roost.Controller.Store;

namespace Roost.Controller.Tests.Store;

/// <summary>The contract on a private PostgreSQL server started for this class (see <see cref="PostgresServer"/>); skipped, with the reason, without PostgreSQL.</summary>
[RequiresPostgres]
public sealed class PostgresControllerStoreTests(PostgresServer server) : ControllerStoreContractTests, IClassFixture<PostgresServer>
{
    protected override async Task<IControllerStore> CreateStoreAsync()
    {
        var database = await server.CreateDatabaseAsync();
        var store = new PostgresControllerStore(server.ConnectionString(database));
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task<IControllerStore> ReopenAsync(IControllerStore store)
    {
        var description = store.Description;
        await store.DisposeAsync();
        var database = description[(description.LastIndexOf('/') + 1)..];
        var reopened = new PostgresControllerStore(server.ConnectionString(database));
        await reopened.MigrateAsync(default);
        return reopened;
    }
}
