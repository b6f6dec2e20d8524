using Roost.Controller.Store;

namespace Roost.Controller.Tests.Store;

public sealed class SqliteControllerStoreTests : ControllerStoreContractTests, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override async Task<IControllerStore> CreateStoreAsync()
    {
        var store = new SqliteControllerStore(Path.Combine(_directory.Path, "roost.db"));
        await store.MigrateAsync(default);
        return store;
    }

    protected override async Task<IControllerStore> ReopenAsync(IControllerStore store)
    {
        await store.DisposeAsync();
        return await CreateStoreAsync();
    }

    public void Dispose() => _directory.Dispose();
}
