using Roost.Core.Migration;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Agent;

public sealed class PassLogTests
{
    private const long Page = 4096;

    [Fact]
    public void Passes_FromQueryMigrateAnswers_DirtySetsDurationsSentBytesAndRates()
    {
        var log = new PassLog();

        log.Observe(Progress(StreamStatus.Setup, rounds: 0, transferred: 0, remaining: 0, ms: 0));
        log.Observe(Progress(StreamStatus.Active, rounds: 1, transferred: 1_000, remaining: 100 * Page, ms: 10));
        log.Observe(Progress(StreamStatus.Active, rounds: 1, transferred: 50_000, remaining: 120 * Page, ms: 500));
        log.Observe(Progress(StreamStatus.Active, rounds: 2, transferred: 401_000, remaining: 30 * Page, ms: 1_010));
        log.Observe(Progress(StreamStatus.Active, rounds: 2, transferred: 450_000, remaining: 10 * Page, ms: 1_100));
        log.Observe(Progress(StreamStatus.Completed, rounds: 3, transferred: 600_000, remaining: 0, ms: 1_210));

        Assert.Equal(
            new[]
            {
                new MigrationPass(1, 120, 120 * Page, 10, 1_000, 400_000, 30),
                new MigrationPass(2, 30, 30 * Page, 1_010, 200, 199_000, null),
            },
            log.Passes);
    }

    [Fact]
    public void APassTheLogNeverSawActive_IsNotInvented()
    {
        var log = new PassLog();

        log.Observe(Progress(StreamStatus.Failed, rounds: 2, transferred: 5_000, remaining: 10 * Page, ms: 100));

        Assert.Empty(log.Passes);
    }

    private static StreamProgress Progress(StreamStatus status, long rounds, long transferred, long remaining, long ms) =>
        new(status, transferred, remaining, 1 << 27, rounds, TimeSpan.FromMilliseconds(ms), null, null);
}
