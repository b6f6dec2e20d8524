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
}
