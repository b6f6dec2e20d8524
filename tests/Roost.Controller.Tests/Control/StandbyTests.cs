using System.Globalization;
using Roost.Controller.Tests.Store;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Control;

/// <summary>
/// Two controllers on one store, active and hot standby; SIGKILL of the active one; the standby takes over, nothing is
/// done twice (see <see cref="StandbyScenario"/>). <c>ROOST_STANDBY_RUNS=N</c> chains N takeovers and prints their
/// median: the figure in docs/experiments/controller-standby.md. Takeover times are printed, never asserted.
/// </summary>
public sealed class StandbyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OnSqlite_TheStandbyTakesOverFromAKilledController_AndNothingIsDoneTwice()
    {
        using var data = new TempDirectory();

        var takeovers = await StandbyScenario.RunAsync(data.Path, [], Runs, output.WriteLine);

        output.WriteLine(Summary("sqlite", takeovers));
    }

    internal static int Runs =>
        int.TryParse(Environment.GetEnvironmentVariable("ROOST_STANDBY_RUNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs > 0 ? runs : 1;

    internal static string Summary(string store, IReadOnlyList<TimeSpan> takeovers)
    {
        var ms = takeovers.Select(t => t.TotalMilliseconds).Order().ToArray();
        var median = ms.Length % 2 == 1 ? ms[ms.Length / 2] : (ms[(ms.Length / 2) - 1] + ms[ms.Length / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"{store}: {ms.Length} takeover(s), median {median:0} ms, min {ms[0]:0} ms, max {ms[^1]:0} ms: {string.Join(", ", ms.Select(m => m.ToString("0", CultureInfo.InvariantCulture)))}");
    }
}

/// <summary>The same on PostgreSQL (a private server), where the writer lock is an advisory lock; skipped without PostgreSQL.</summary>
public sealed class PostgresStandbyTests(PostgresServer server, ITestOutputHelper output) : IClassFixture<PostgresServer>
{
    [PostgresFact]
    public async Task OnPostgres_TheStandbyTakesOverFromAKilledController_AndNothingIsDoneTwice()
    {
        using var data = new TempDirectory();
        var database = await server.CreateDatabaseAsync();

        var takeovers = await StandbyScenario.RunAsync(data.Path, ["--db", "postgres:" + server.ConnectionString(database)], StandbyTests.Runs, output.WriteLine);

        output.WriteLine(StandbyTests.Summary("postgres", takeovers));
    }

    /// <summary>
    /// The active controller's lock session is killed on the server (as a network partition or a DBA would): the
    /// controller finds it at its next step and stops acting at once, saying why, rather than write beside another.
    /// </summary>
    [PostgresFact]
    public async Task AControllerThatLosesItsLockSession_StopsWithTheReason()
    {
        using var data = new TempDirectory();
        var database = await server.CreateDatabaseAsync();
        var options = Api.ControllerFixture.Options(data) with
        {
            Database = "postgres:" + server.ConnectionString(database),
            Loop = new Roost.Controller.Control.ControlLoopOptions(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)),
        };
        await using var controller = await ControllerApp.StartAsync(options, default);
        Assert.Equal(RoleState.Active, controller.Role.Current);

        await using (var admin = new Npgsql.NpgsqlConnection(server.ConnectionString(database)))
        {
            await admin.OpenAsync();
            await using var kill = new Npgsql.NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND classid = 82 AND objid = 1869575028 AND objsubid = 1 AND granted", admin);
            Assert.Equal(1L, await kill.ExecuteScalarAsync());
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await controller.WaitForShutdownAsync(deadline.Token);

        output.WriteLine(controller.Failure);
        Assert.Equal(RoleState.Stopped, controller.Role.Current);
        Assert.StartsWith("lost the writer lock: advisory lock", controller.Failure, StringComparison.Ordinal);
    }
}
