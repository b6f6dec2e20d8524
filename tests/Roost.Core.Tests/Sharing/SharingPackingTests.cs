using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharingPackingTests
{
    private const long VmPages = 1000;

    // Four identical VMs: 600 distinct pages each, all shared; 400 pages of each are zero and never credited.
    private static readonly ExactFingerprint _content = ExactFingerprint.FromPageHashes([.. Enumerable.Range(1, 600).Select(i => unchecked((ulong)i * 0x9E3779B97F4A7C15UL))], zeroPages: 400);

    private static List<SharingVm> Vms(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new SharingVm(new VmId(i), 1, 0, VmPages, _content))];

    private static List<SharingHost> Hosts(int count, long memoryPages) =>
        [.. Enumerable.Range(1, count).Select(i => SharingHost.Empty(new HostId(i), 64, 10_000, memoryPages))];

    [Fact]
    public void Pack_FirstFit_PlacesByAllocation_AndReportsExactSharing()
    {
        var outcome = SharingPacking.Pack(Vms(5), Hosts(1, 2 * VmPages), new SharingObliviousFirstFit());

        Assert.Equal(2, outcome.PlacedVms);
        Assert.Equal([(2 * VmPages) - 600], outcome.ExactUsedPages);
        Assert.Equal(600, outcome.SharedPages);
        Assert.Equal(0, outcome.OvercommittedHosts);
    }

    [Fact]
    public void Pack_SharingAware_FitsMoreOnTheSameHost_WithoutExactOvercommit()
    {
        var outcome = SharingPacking.Pack(Vms(5), Hosts(1, 2 * VmPages), new SharingAwarePlacement(SharingPlacementOptions.Exact));

        // 1000 + 400 + 400 = 1800 ≤ 2000; a fourth would need 2200.
        Assert.Equal(3, outcome.PlacedVms);
        Assert.Equal([1800L], outcome.ExactUsedPages);
        Assert.Equal(0, outcome.OvercommittedHosts);
        Assert.Equal("sharing-ListList", outcome.Policy);
    }
}
