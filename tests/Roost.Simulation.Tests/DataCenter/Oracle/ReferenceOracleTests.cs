using System.Collections.Concurrent;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;

namespace Roost.Simulation.Tests.DataCenter.Oracle;

/// <summary>
/// The fast data center against <see cref="ReferenceDataCenter"/>, bit for bit, on many small seeded fleets: every
/// detector, each with every selector (the seed picks it), 1,000 seeds in all plus npa and dvfs.
/// </summary>
public sealed class ReferenceOracleTests
{
    private const int SeedsPerDetector = 200;

    [Theory]
    [InlineData("thr", 0)]
    [InlineData("iqr", 1)]
    [InlineData("mad", 2)]
    [InlineData("lr", 3)]
    [InlineData("lrr", 4)]
    public void FastDataCenter_GivesTheReferenceResults_BitForBit(string detector, int block)
    {
        var first = 1 + (block * SeedsPerDetector);

        var mismatches = Mismatches(Enumerable.Range(first, SeedsPerDetector), detector, PowerDataCenterFault.None);

        Assert.True(mismatches.IsEmpty, $"{mismatches.Count} of {SeedsPerDetector} fleets differ from the reference:\n{string.Join("\n", mismatches.Take(5))}");
    }

    [Theory]
    [InlineData("npa")]
    [InlineData("dvfs")]
    public void FastDataCenter_WithoutMigrations_GivesTheReferenceResults_BitForBit(string policy)
    {
        var mismatches = Mismatches(Enumerable.Range(5001, 40), policy, PowerDataCenterFault.None);

        Assert.True(mismatches.IsEmpty, $"{mismatches.Count} fleets differ from the reference:\n{string.Join("\n", mismatches.Take(5))}");
    }

    /// <summary>
    /// The comparison catches a cache that is not kept current (a test-only fault in the fast data center): each fault
    /// changes the results of 13–24 of these 60 fleets.
    /// </summary>
    [Theory]
    [InlineData(nameof(PowerDataCenterFault.SearchMissesNewCandidates), "thr")]
    [InlineData(nameof(PowerDataCenterFault.HostHistoryMissesAppends), "mad")]
    [InlineData(nameof(PowerDataCenterFault.ScreenKeyMissesAppends), "lr")]
    public void BrokenCache_IsCaughtByTheReference(string fault, string detector)
    {
        var mismatches = Mismatches(Enumerable.Range(1, 60), detector, Enum.Parse<PowerDataCenterFault>(fault));

        Assert.True(mismatches.Count >= 5, $"the {fault} fault changed only {mismatches.Count} of 60 fleets");
    }

    private static ConcurrentBag<string> Mismatches(IEnumerable<int> seeds, string detector, PowerDataCenterFault fault)
    {
        var mismatches = new ConcurrentBag<string>();
        Parallel.ForEach(seeds, seed =>
        {
            var fleet = RandomFleet.Create(seed, detector);
            var expected = new ReferenceDataCenter(fleet.Workload, fleet.Setup, fleet.Policy).Run();
            var options = new PowerDataCenterOptions { ParallelHostThreshold = seed % 5 == 0 ? 1 : PowerDataCenterOptions.DefaultParallelHostThreshold, Fault = fault };
            var actual = new PowerDataCenter(fleet.Workload, fleet.Setup, fleet.Policy, options).Run(fleet.Workload.Name, progress: null);
            if (Difference(expected, actual) is { } difference)
            {
                mismatches.Add($"{fleet.Description}: {difference}");
            }
        });
        return mismatches;
    }

    /// <summary>The first figure that differs, or null when every figure is equal bit for bit.</summary>
    private static string? Difference(SimulationResult expected, SimulationResult actual)
    {
        (string Name, object Expected, object Actual)[] figures =
        [
            ("energy kWh", expected.EnergyKwh, actual.EnergyKwh),
            ("migrations", expected.Migrations, actual.Migrations),
            ("SLATAH %", expected.SlatahPercent, actual.SlatahPercent),
            ("PDM %", expected.PdmPercent, actual.PdmPercent),
            ("host shutdowns", expected.HostShutdowns, actual.HostShutdowns),
            ("overload host-seconds", expected.OverloadHostSeconds, actual.OverloadHostSeconds),
            ("simulated seconds", expected.SimulatedSeconds, actual.SimulatedSeconds),
            ("unplaced VMs", expected.UnplacedVms, actual.UnplacedVms),
            ("active hosts", string.Join(",", expected.ActiveHosts.Values), string.Join(",", actual.ActiveHosts.Values)),
            ("tick times", string.Join(",", expected.ActiveHosts.TimesSeconds), string.Join(",", actual.ActiveHosts.TimesSeconds)),
        ];
        foreach (var (name, e, a) in figures)
        {
            if (!e.Equals(a))
            {
                return $"{name}: reference {e}, fast {a}";
            }
        }

        return null;
    }
}
