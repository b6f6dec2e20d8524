using System.Globalization;
using Xunit.Abstractions;

namespace Roost.Core.Tests.Migration;

/// <summary>
/// The migration handover over seeded random interleavings of peer answers, timeouts, cancels, crashes of either side
/// and malformed, duplicated or late replies (<see cref="MigrationWorld"/>). The suite runs a few thousand seeds; the
/// experiment runs 100,000 or more (docs/experiments/migration-state-machine.md):
/// <c>ROOST_MIGRATION_INTERLEAVINGS=100000 dotnet test tests/Roost.Core.Tests -c Release --filter FullyQualifiedName~MigrationPropertyTests</c>.
/// A failing seed is printed with the command that replays it alone, with its full trace.
/// </summary>
public sealed class MigrationPropertyTests(ITestOutputHelper output)
{
    private const int SuiteInterleavings = 3000;

    [Fact]
    public void RandomInterleavings_VmEndsRunningExactlyOnce_NeverStuck_ReservationReleased()
    {
        var count = Setting("ROOST_MIGRATION_INTERLEAVINGS") ?? SuiteInterleavings;
        var first = Setting("ROOST_MIGRATION_FIRST_SEED") ?? 1;
        var failures = new List<RunVerdict>();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var faults = new SortedDictionary<string, int>(StringComparer.Ordinal);
        int lost = 0, doubled = 0, stuck = 0, excused = 0;
        for (var seed = first; seed < first + count; seed++)
        {
            var verdict = MigrationWorld.Run(seed);
            var name = verdict.Outcome?.GetType().Name ?? "none";
            outcomes[name] = outcomes.GetValueOrDefault(name) + 1;
            foreach (var fault in verdict.FaultsMet)
            {
                faults[fault] = faults.GetValueOrDefault(fault) + 1;
            }

            excused += verdict.CrashExcused && verdict.RunningAtEnd == 0 ? 1 : 0;
            lost += verdict.Lost ? 1 : 0;
            doubled += verdict.Doubled ? 1 : 0;
            stuck += verdict.Stuck ? 1 : 0;
            if (verdict.Violations.Count > 0 && failures.Count < 5)
            {
                failures.Add(MigrationWorld.Run(seed, traceAll: true));
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} interleavings (seeds {first}..{first + count - 1}): {lost} lost, {doubled} doubled, {stuck} stuck; outcomes {string.Join(", ", outcomes.Select(o => $"{o.Key} {o.Value}"))}; {excused} ended with the VM destroyed by a crash of its only copy"));
        output.WriteLine("runs meeting each fault: " + string.Join(", ", faults.Select(f => $"{f.Key} {f.Value}")));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures.Select(Describe)));
    }

    /// <summary>Replays one seed with its whole trace: <c>ROOST_MIGRATION_SEED=N dotnet test ... --filter FullyQualifiedName~ReplaySeed</c>.</summary>
    [Fact]
    public void ReplaySeed_FromEnvironment_PrintsItsTrace()
    {
        var seed = Setting("ROOST_MIGRATION_SEED") ?? 1;

        var verdict = MigrationWorld.Run(seed, traceAll: true);

        foreach (var line in verdict.Trace)
        {
            output.WriteLine(line);
        }

        Assert.True(verdict.Violations.Count == 0, Describe(verdict));
    }

    [Fact]
    public void Run_SameSeed_SameTrace()
    {
        var a = MigrationWorld.Run(4242, traceAll: true);
        var b = MigrationWorld.Run(4242, traceAll: true);

        Assert.Equal(a.Trace, b.Trace);
    }

    /// <summary>The world can detect what it claims to: a source that resumes its copy after the destination adopted it is caught.</summary>
    [Fact]
    public void World_CatchesADoubledVm()
    {
        var verdicts = Enumerable.Range(1, 300).Select(seed => MigrationWorld.Run(seed, traceAll: false, resumeBlindly: true)).ToList();

        Assert.Contains(verdicts, v => v.Doubled);
    }

    private static string Describe(RunVerdict verdict) =>
        $"seed {verdict.Seed}: {string.Join("; ", verdict.Violations)} (outcome {verdict.Outcome?.ToString() ?? "none"})."
        + $" Replay: ROOST_MIGRATION_SEED={verdict.Seed} dotnet test tests/Roost.Core.Tests -c Release --filter FullyQualifiedName~ReplaySeed"
        + Environment.NewLine + string.Join(Environment.NewLine, verdict.Trace.TakeLast(60));

    private static int? Setting(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : null;
}
