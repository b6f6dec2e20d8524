using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Tests.Qmp;

public sealed class QmpClientTests
{
    private static Task<QmpClient> ConnectAsync(FakeQmpServer server) =>
        QmpClient.ConnectAsync(server.Path, TimeProvider.System, TimeSpan.FromSeconds(10), CancellationToken.None);

    [Fact]
    public async Task Connect_ReadsGreetingVersion_AndNegotiates()
    {
        await using var server = new FakeQmpServer((_, _) => null);

        await using var client = await ConnectAsync(server);

        Assert.Equal("7.2.19", client.QemuVersion);
    }

    [Fact]
    public async Task QueryStatus_ReturnsTheRunState()
    {
        await using var server = new FakeQmpServer((command, _) => command == "query-status"
            ? "{\"return\": {\"status\": \"paused\", \"running\": false}}"
            : null);
        await using var client = await ConnectAsync(server);

        var status = await client.QueryStatusAsync(CancellationToken.None);

        Assert.Equal("paused", status);
    }

    [Fact]
    public async Task PostCopy_SetsTheCapabilityThenSwitches()
    {
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = new FakeQmpServer((command, _) =>
        {
            seen.Enqueue(command);
            return "{\"return\": {}}";
        });
        await using var client = await ConnectAsync(server);

        await client.SetPostCopyRamAsync(true, CancellationToken.None);
        await client.StartPostCopyAsync(CancellationToken.None);

        Assert.Equal(["migrate-set-capabilities", "migrate-start-postcopy"], seen.ToArray());
    }

    [Fact]
    public async Task ErrorReply_ThrowsWithQemusClassAndDescription()
    {
        await using var server = new FakeQmpServer((_, _) => "{\"error\": {\"class\": \"GenericError\", \"desc\": \"There's a migration process in progress\"}}");
        await using var client = await ConnectAsync(server);

        var error = await Assert.ThrowsAsync<QmpException>(() => client.MigrateAsync("tcp:127.0.0.1:1", CancellationToken.None));

        Assert.Equal("GenericError", error.ErrorClass);
        Assert.Equal("There's a migration process in progress", error.Message);
    }

    [Fact]
    public async Task QemuDies_PendingCommandFailsSayingTheProcessExited()
    {
        await using var server = new FakeQmpServer((_, _) => null);
        await using var client = await ConnectAsync(server);
        var pending = client.QueryStatusAsync(CancellationToken.None);

        server.Die();

        var error = await Assert.ThrowsAsync<QmpException>(() => pending);
        Assert.Equal("ConnectionLost", error.ErrorClass);
        Assert.Contains("exited", error.Message, StringComparison.Ordinal);
        var later = await Assert.ThrowsAsync<QmpException>(() => client.QueryStatusAsync(CancellationToken.None));
        Assert.StartsWith("QMP 'query-status': ", later.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SilentQemu_CommandTimesOut()
    {
        await using var server = new FakeQmpServer((_, _) => null);
        await using var client = await ConnectAsync(server);
        client.CommandTimeout = TimeSpan.FromMilliseconds(200);

        var error = await Assert.ThrowsAsync<QmpException>(() => client.QueryStatusAsync(CancellationToken.None));

        Assert.Equal("Timeout", error.ErrorClass);
        Assert.Equal("QMP 'query-status': no reply within 0.2 s", error.Message);
    }

    [Fact]
    public async Task Events_ArePublishedWithNameAndData()
    {
        await using var server = new FakeQmpServer((_, _) => null);
        await using var client = await ConnectAsync(server);

        await server.SendAsync("{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"MIGRATION\", \"data\": {\"status\": \"active\"}}");

        var migration = await client.Events.ReadAsync();
        Assert.Equal("MIGRATION", migration.Name);
        Assert.Equal("active", migration.Data.GetProperty("status").GetString());
        Assert.Equal(1700000000, migration.Timestamp.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task RepliesOutOfOrder_AreMatchedById()
    {
        var held = new TaskCompletionSource<long>();
        await using var server = new FakeQmpServer((command, id) =>
        {
            if (command == "query-status")
            {
                held.TrySetResult(id);
                return null;
            }

            return "{\"return\": {\"status\": \"completed\", \"ram\": {\"transferred\": 42}}}";
        });
        await using var client = await ConnectAsync(server);

        var status = client.QueryStatusAsync(CancellationToken.None);
        var statusId = await held.Task;
        var migrate = await client.QueryMigrateAsync(CancellationToken.None);
        await server.SendAsync($"{{\"return\": {{\"status\": \"running\"}}, \"id\": {statusId}}}");

        Assert.Equal(42, migrate.TransferredBytes);
        Assert.Equal("running", await status);
    }

    [Fact]
    public async Task NoListener_ConnectFailsInOneLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"absent-{Environment.ProcessId}.sock");

        var error = await Assert.ThrowsAsync<QmpException>(() => QmpClient.ConnectAsync(path, TimeProvider.System, TimeSpan.FromSeconds(2), CancellationToken.None));

        Assert.StartsWith($"QMP at {path}: cannot connect", error.Message, StringComparison.Ordinal);
    }
}
