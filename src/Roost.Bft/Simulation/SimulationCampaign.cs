namespace Roost.Bft.Simulation;

/// <summary>
/// Summary of many seeded runs: counts, the failures (each replays from its seed; only the
/// <see cref="SimulationCampaign.KeptFailures"/> of lowest seed are kept, <see cref="Failed"/> counts them all), totals
/// of what happened.
/// </summary>
public sealed record CampaignSummary(
    int Runs,
    int Failed,
    IReadOnlyList<SimulationResult> Failures,
    long Events,
    long Messages,
    int RunsWithViewChanges,
    int RunsWithWakes,
    int RunsWithSyncs,
    int CorruptionsDetected,
    int Retired,
    IReadOnlyDictionary<FaultKinds, int> RunsPerFault);

/// <summary>
/// Runs seeds <c>first .. first+count-1</c> in parallel (each run is single-threaded and deterministic). Each run is
/// tallied as it ends, so memory stays bounded whatever the count: totals, and the failures of lowest seed.
/// </summary>
public static class SimulationCampaign
{
    /// <summary>How many failures a summary keeps (those of lowest seed).</summary>
    public const int KeptFailures = 100;

    private static readonly FaultKinds[] _kinds = [.. Enum.GetValues<FaultKinds>().Where(k => k is not (FaultKinds.None or FaultKinds.All))];

    public static CampaignSummary Run(long first, int count, int f, FaultKinds faults, ExecutionMode? mode, int parallelism, Action<int>? progress = null)
    {
        var total = new Tally();
        var done = 0;
        Parallel.For(
            0,
            count,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism) },
            () => new Tally(),
            (i, _, tally) =>
            {
                tally.Add(RunOne(SimulationScenario.Generate(first + i, f, faults, mode)));
                progress?.Invoke(Interlocked.Increment(ref done));
                return tally;
            },
            tally =>
            {
                lock (total)
                {
                    total.Merge(tally);
                }
            });

        var perFault = new SortedDictionary<FaultKinds, int>();
        for (var k = 0; k < _kinds.Length; k++)
        {
            perFault[_kinds[k]] = total.PerFault[k];
        }

        return new CampaignSummary(count, total.Failed, total.Failures, total.Events, total.Messages, total.RunsWithViewChanges,
            total.RunsWithWakes, total.RunsWithSyncs, total.CorruptionsDetected, total.Retired, perFault);
    }

    private static SimulationResult RunOne(SimulationScenario scenario)
    {
        try
        {
            return new Simulator(scenario).Run();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IndexOutOfRangeException or KeyNotFoundException or NullReferenceException or OverflowException)
        {
            return new SimulationResult(scenario, [$"crash: {e.GetType().Name}: {e.Message} at {e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}"], 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /// <summary>The totals of some runs, and their failures of lowest seed (at most <see cref="KeptFailures"/>, by seed).</summary>
    private sealed class Tally
    {
        public List<SimulationResult> Failures { get; } = [];

        public int[] PerFault { get; } = new int[_kinds.Length];

        public int Failed { get; private set; }

        public long Events { get; private set; }

        public long Messages { get; private set; }

        public int RunsWithViewChanges { get; private set; }

        public int RunsWithWakes { get; private set; }

        public int RunsWithSyncs { get; private set; }

        public int CorruptionsDetected { get; private set; }

        public int Retired { get; private set; }

        public void Add(SimulationResult r)
        {
            if (!r.Passed)
            {
                Failed++;
                Keep(r);
            }

            Events += r.Events;
            Messages += r.Messages;
            RunsWithViewChanges += r.Views > 0 ? 1 : 0;
            RunsWithWakes += r.Wakes > 0 ? 1 : 0;
            RunsWithSyncs += r.Syncs > 0 ? 1 : 0;
            CorruptionsDetected += r.CorruptionsDetected;
            Retired += r.Retired;
            for (var k = 0; k < _kinds.Length; k++)
            {
                PerFault[k] += (r.Scenario.Faults & _kinds[k]) != 0 ? 1 : 0;
            }
        }

        public void Merge(Tally other)
        {
            foreach (var r in other.Failures)
            {
                Keep(r);
            }

            Failed += other.Failed;
            Events += other.Events;
            Messages += other.Messages;
            RunsWithViewChanges += other.RunsWithViewChanges;
            RunsWithWakes += other.RunsWithWakes;
            RunsWithSyncs += other.RunsWithSyncs;
            CorruptionsDetected += other.CorruptionsDetected;
            Retired += other.Retired;
            for (var k = 0; k < _kinds.Length; k++)
            {
                PerFault[k] += other.PerFault[k];
            }
        }

        private void Keep(SimulationResult r)
        {
            var at = Failures.FindIndex(kept => kept.Scenario.Seed > r.Scenario.Seed);
            at = at < 0 ? Failures.Count : at;
            if (at < KeptFailures)
            {
                Failures.Insert(at, r);
                if (Failures.Count > KeptFailures)
                {
                    Failures.RemoveAt(KeptFailures);
                }
            }
        }
    }
}
