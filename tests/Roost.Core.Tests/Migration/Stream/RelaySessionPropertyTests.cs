using System.Globalization;
using Xunit.Abstractions;

namespace Roost.Core.Tests.Migration.Stream;

/// <summary>
/// The two relay sessions over seeded faulty links (<see cref="RelayWorld"/>): the destination's QEMU only ever gets
/// a prefix of its stream, a channel ends normally only whole, nothing is delivered without the secret, and no
/// fault on the way there lets the destination complete. More runs: <c>ROOST_RELAY_RUNS=100000</c>.
/// </summary>
public sealed class RelaySessionPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void SeededFaults_DestinationGetsOnlyPrefixes_AndNeverCompletesAfterAFault()
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("ROOST_RELAY_RUNS"), CultureInfo.InvariantCulture, out var n) ? n : 220;
        var failures = new List<string>();
        var completed = new SortedDictionary<string, int>(StringComparer.Ordinal);

        for (var seed = 1; seed <= runs; seed++)
        {
            var verdict = RelayWorld.Run(seed);
            var key = $"{verdict.Fault}:{(verdict.DestinationCompleted ? "completed" : "failed")}";
            completed[key] = completed.GetValueOrDefault(key) + 1;
            if (verdict.Violations.Count > 0 && failures.Count < 5)
            {
                failures.Add($"seed {seed} ({verdict.Fault}): {string.Join("; ", verdict.Violations)} [{verdict.Failure}]");
            }
        }

        output.WriteLine(string.Join(", ", completed.Select(c => $"{c.Key} {c.Value}")));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(completed.GetValueOrDefault("None:completed") > 0, "no fault-free run completed");
        Assert.True(completed.Where(c => c.Key.EndsWith(":failed", StringComparison.Ordinal)).Sum(c => c.Value) > runs / 2, "most faulty runs should fail");
    }
}
