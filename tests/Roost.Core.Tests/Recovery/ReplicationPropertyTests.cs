using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>
/// The replication protocol over 1,000 seeded interleavings per mode with link faults (loss, duplication, reorder),
/// cloud-site restarts and, in half the runs, a primary crash at a random step (<see cref="ReplicationSimulation"/>).
/// </summary>
public sealed class ReplicationPropertyTests
{
    private const int Seeds = 1000;
    private const int Steps = 300;

    [Theory]
    [InlineData(ReplicationMode.Sync)]
    [InlineData(ReplicationMode.Pipelined)]
    [InlineData(ReplicationMode.Async)]
    public void RandomInterleavingsWithFaults_KeepEveryInvariant(ReplicationMode mode)
    {
        var early = 0;
        var held = 0;
        var crashes = 0;
        for (var seed = 0; seed < Seeds; seed++)
        {
            var run = new ReplicationSimulation(seed, mode);

            run.Run(Steps);

            Assert.True(run.Violations.Count == 0, $"seed {seed}, {mode}: {string.Join("; ", run.Violations)}");
            early += run.EarlyReleases;
            held += run.ReleasesAfterHold;
            crashes += run.Crashed ? 1 : 0;
        }

        // The checks are not vacuous: async does let packets out ahead of the backup, pipelined does hold them, and
        // about half the runs end in a crash.
        Assert.True(mode != ReplicationMode.Async || early > 0, "async never released a packet early: the check sees nothing");
        Assert.True(mode != ReplicationMode.Pipelined || held > 0, "pipelined never held a packet");
        Assert.InRange(crashes, Seeds / 3, 2 * Seeds / 3);
    }
}
