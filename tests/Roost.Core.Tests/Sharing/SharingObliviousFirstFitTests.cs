using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharingObliviousFirstFitTests : SharingPlacementPolicyContract
{
    protected override ISharingPlacementPolicy CreatePolicy() => new SharingObliviousFirstFit();

    [Fact]
    public void Place_PicksLowestIdHostThatFitsAllocatedMemory()
    {
        var vms = SyntheticDataCenter.Vms(new Random(3), 2, 1);
        var full = HostWith(1, vms[0].MemoryPages, null, vms[0]);
        var second = HostWith(2, 1 << 20, null);
        var third = HostWith(3, 1 << 20, null);

        var placed = Assert.IsType<SharingPlacementResult.Placed>(CreatePolicy().Place(vms[1], [third, full, second]));

        Assert.Equal(second.Id, placed.Host);
        Assert.Equal(vms[1].MemoryPages, placed.ChargedMemoryPages);
    }
}
