using Roost.Bft.Simulation;

namespace Roost.Bft.Tests.Simulation;

/// <summary>
/// The deterministic simulation's share of the suite: a few thousand seeded runs with every fault kind. The documented
/// 100,000-run campaign is <c>roost bft sim</c> (docs/experiments/zz.md). A failure prints its seed and scenario.
/// </summary>
public sealed class SimulatorTests
{
    [Theory]
    [InlineData(1, 1_000_000, 600)]
    [InlineData(1, 2_000_000, 600)]
    [InlineData(2, 3_000_000, 300)]
    [InlineData(2, 4_000_000, 300)]
    public void SeededRuns_EveryFaultKind_NoInvariantViolations(int f, long firstSeed, int runs)
    {
        var summary = SimulationCampaign.Run(firstSeed, runs, f, FaultKinds.All, mode: null, parallelism: 1);

        var failures = string.Join("\n", summary.Failures.Take(5).Select(r => r.Scenario.Describe() + "\n  " + string.Join("\n  ", r.Violations.Take(3))));
        Assert.True(summary.Failures.Count == 0, $"{summary.Failures.Count} of {runs} runs failed; replay with 'roost bft sim --seed N --f {f}':\n{failures}");
        Assert.True(summary.RunsWithViewChanges > 0 && summary.RunsWithWakes > 0 && summary.RunsWithSyncs > 0 && summary.CorruptionsDetected > 0,
            "the campaign did not exercise view changes, wake-ups, state transfers and corruption repair");
    }

    [Theory]
    [InlineData(7, 1)]
    [InlineData(11, 2)]
    public void SameSeed_ReplaysExactly(long seed, int f)
    {
        var scenario = SimulationScenario.Generate(seed, f, FaultKinds.All);

        var first = new Simulator(scenario).Run();
        var second = new Simulator(scenario).Run();

        Assert.Equal((first.EndMicros, first.Events, first.Messages, first.Views, first.Wakes), (second.EndMicros, second.Events, second.Messages, second.Views, second.Wakes));
    }

    [Fact]
    public void WrongReplies_SleepersWokenAndFaultyReplicaRetired()
    {
        var retired = 0;
        var woken = 0;
        for (var seed = 1; seed <= 40; seed++)
        {
            var scenario = SimulationScenario.Generate(seed, 1, FaultKinds.WrongReplies, ExecutionMode.Zz) with { OperationsPerClient = 40 };

            var result = new Simulator(scenario).Run();

            Assert.True(result.Passed, scenario.Describe() + "\n" + string.Join("\n", result.Violations));
            retired += result.Retired;
            woken += result.Wakes;
        }

        Assert.True(woken > 0 && retired > 0, $"woken {woken}, retired {retired}: the controller never acted on wrong replies");
    }
}
