namespace Roost.Bft.Simulation;

/// <summary>Summary of many seeded runs: counts, the failures (each replays from its seed), totals of what happened.</summary>
public sealed record CampaignSummary(
    int Runs,
    IReadOnlyList<SimulationResult> Failures,
    long Events,
    long Messages,
    int RunsWithViewChanges,
    int RunsWithWakes,
    int RunsWithSyncs,
    int CorruptionsDetected,
    int Retired,
    IReadOnlyDictionary<FaultKinds, int> RunsPerFault);

/// <summary>Runs seeds <c>first .. first+count-1</c> in parallel (each run is single-threaded and deterministic).</summary>
public static class SimulationCampaign
{
    public static CampaignSummary Run(long first, int count, int f, FaultKinds faults, ExecutionMode? mode, int parallelism, Action<int>? progress = null)
    {
        var results = new SimulationResult[count];
        var done = 0;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) }, i =>
        {
            var scenario = SimulationScenario.Generate(first + i, f, faults, mode);
            SimulationResult result;
            try
            {
                result = new Simulator(scenario).Run();
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or KeyNotFoundException or NullReferenceException or OverflowException)
            {
                result = new SimulationResult(scenario, [$"crash: {e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}"], 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }

            results[i] = result;
            var n = Interlocked.Increment(ref done);
            progress?.Invoke(n);
        });

        var perFault = new SortedDictionary<FaultKinds, int>();
        foreach (var kind in Enum.GetValues<FaultKinds>().Where(k => k is not (FaultKinds.None or FaultKinds.All)))
        {
            perFault[kind] = results.Count(r => (r.Scenario.Faults & kind) != 0);
        }

        return new CampaignSummary(
            count,
            [.. results.Where(r => !r.Passed)],
            results.Sum(r => r.Events),
            results.Sum(r => r.Messages),
            results.Count(r => r.Views > 0),
            results.Count(r => r.Wakes > 0),
            results.Count(r => r.Syncs > 0),
            results.Sum(r => r.CorruptionsDetected),
            results.Sum(r => r.Retired),
            perFault);
    }
}
