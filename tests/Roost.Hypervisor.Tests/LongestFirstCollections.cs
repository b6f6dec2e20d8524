using Xunit.Abstractions;

[assembly: TestCollectionOrderer("Roost.Hypervisor.Tests.LongestFirstCollections", "Roost.Hypervisor.Tests")]

namespace Roost.Hypervisor.Tests;

/// <summary>
/// Starts the longest test collections first. xUnit's conservative scheduler runs as many collections at once as the
/// machine has cores and starts the next one in this order when one ends, so the longest real-VM collections go first
/// and the short ones fill in at the end; in xUnit's own order one real-VM collection (<see cref="QemuNetworkTests"/>,
/// about 150 s) started last and ran alone for 108 s of a 6 min 21 s run (docs/experiments/test-time.md).
/// </summary>
public sealed class LongestFirstCollections : ITestCollectionOrderer
{
    /// <summary>Longest first, from the sums of their tests' durations in one run of this project (199, 152, 149, 67 and 36 s).</summary>
    private static readonly string[] _longestFirst =
        [QemuTests.Name, QemuMigrationTests.Name, QemuNetworkTests.Name, QemuMigrationFaultTests.Name, Lab.LabTestGroup.Name];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .Select(collection => (Collection: collection, Rank: Array.IndexOf(_longestFirst, collection.DisplayName)))
            .OrderBy(c => c.Rank < 0 ? int.MaxValue : c.Rank)
            .ThenBy(c => c.Collection.DisplayName, StringComparer.Ordinal)
            .Select(c => c.Collection);
}
