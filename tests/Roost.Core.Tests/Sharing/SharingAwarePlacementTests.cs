using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public abstract class SharingAwarePlacementTests : SharingPlacementPolicyContract
{
    protected abstract SharingPlacementOptions Options { get; }

    // Sized for a host of 4 VMs: 64 Ki pages at 8 bits per page.
    protected override BloomParameters? Bloom => BloomParameters.ForPages(4 * SyntheticDataCenter.VmPages);

    protected override ISharingPlacementPolicy CreatePolicy() => new SharingAwarePlacement(Options);

    [Fact]
    public void Place_PrefersTheHostWhereTheVmSharesMost()
    {
        var sets = new SyntheticPageSets(new Random(11), 2, 2000, 8000);
        var vm = NewVm(0, sets.NextVm(0, 0.9, 1000));
        var sameProfile = HostWith(5, 1 << 20, Bloom, NewVm(1, sets.NextVm(0, 0.9, 1000)));
        var otherProfile = HostWith(2, 1 << 20, Bloom, NewVm(2, sets.NextVm(1, 0.9, 1000)));

        var placed = Assert.IsType<SharingPlacementResult.Placed>(CreatePolicy().Place(vm, [otherProfile, sameProfile]));

        Assert.Equal(new HostId(5), placed.Host);
        Assert.True(placed.ChargedMemoryPages < vm.MemoryPages);
    }

    [Fact]
    public void Place_TiesGoToTheLowestHostId()
    {
        var vm = NewVm(0, new SyntheticPageSets(new Random(12), 1, 0, 0).NextVm(0, 0, 500));

        var placed = Assert.IsType<SharingPlacementResult.Placed>(CreatePolicy().Place(vm, [HostWith(9, 1 << 20, Bloom), HostWith(4, 1 << 20, Bloom)]));

        Assert.Equal(new HostId(4), placed.Host);
    }

    [Fact]
    public void Place_FitsOnlyThanksToSharing()
    {
        var sets = new SyntheticPageSets(new Random(13), 1, 0, 8000);
        var resident = NewVm(1, sets.NextVm(0, 1.0, 1000));
        var vm = NewVm(0, sets.NextVm(0, 1.0, 1000));
        var host = HostWith(1, resident.MemoryPages + (vm.MemoryPages / 2), Bloom, resident);

        var placed = Assert.IsType<SharingPlacementResult.Placed>(CreatePolicy().Place(vm, [host]));

        Assert.InRange(placed.EstimatedSharedPages, 7600, 8400);
        Assert.IsType<SharingPlacementResult.Rejected>(new SharingObliviousFirstFit().Place(vm, [host]));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void PlaceAll_MemoryBound_HostsAtLeastAsManyVmsAsFirstFit(int seed)
    {
        var vms = SyntheticDataCenter.Vms(new Random(seed), 80, profiles: 4, Bloom);
        var aware = SyntheticDataCenter.Hosts(8, 3 * SyntheticDataCenter.VmPages, Bloom);
        var oblivious = SyntheticDataCenter.Hosts(8, 3 * SyntheticDataCenter.VmPages, Bloom);

        var placedAware = SyntheticDataCenter.PlaceAll(CreatePolicy(), vms, aware);
        var placedOblivious = SyntheticDataCenter.PlaceAll(new SharingObliviousFirstFit(), vms, oblivious);

        Assert.True(placedAware > placedOblivious, $"seed {seed}: sharing-aware placed {placedAware}, first fit {placedOblivious}");
    }

    private SharingVm NewVm(int id, ExactFingerprint pages)
    {
        var vm = new SharingVm(new VmId(id), 1, 10, pages.Count + 100, pages);
        return Bloom is { } p ? vm.WithFilter(p) : vm;
    }
}
