using Roost.Core.Balancing;
using Roost.Core.Model;

namespace Roost.Core.Tests.Balancing;

public sealed class VmPlacementTests
{
    private static readonly ResourceVector _limit = new(12, 32_768, 1000);

    [Fact]
    public void FirstFit_LowestIndexWithRoom_OrMinusOne()
    {
        ResourceVector[] committed = [new(10, 30_000, 100), new(2, 1000, 100), ResourceVector.Zero];
        ResourceVector[] limits = [_limit, _limit, _limit];

        Assert.Equal(1, VmPlacement.FirstFit(committed, limits, new ResourceVector(4, 4096, 100)));
        Assert.Equal(0, VmPlacement.FirstFit(committed, limits, new ResourceVector(1, 1024, 100)));
        Assert.Equal(-1, VmPlacement.FirstFit(committed, limits, new ResourceVector(13, 1024, 100)));
    }

    [Fact]
    public void MostFreeMemory_PrefersTheOpenHostWithMostFreeMemoryThatFits()
    {
        PlacementHost[] hosts =
        [
            new(new HostId(1), _limit, new ResourceVector(1, 4096, 0), true),
            new(new HostId(2), _limit, ResourceVector.Zero, false),
            new(new HostId(3), _limit, new ResourceVector(2, 1024, 0), true),
            new(new HostId(4), _limit, new ResourceVector(9, 1024, 0), true),
        ];

        // host-2 is closed; host-3 has the most free memory but not the CPU (of a 12-core limit) for 11 more cores.
        Assert.Equal(new HostId(3), VmPlacement.MostFreeMemory(new ResourceVector(2, 2048, 100), null, hosts));
        Assert.Equal(new HostId(1), VmPlacement.MostFreeMemory(new ResourceVector(11, 2048, 100), null, hosts));
    }

    [Fact]
    public void MostFreeMemory_RequestedHost_OnlyIfItFitsAndIsOpen()
    {
        PlacementHost[] hosts =
        [
            new(new HostId(1), _limit, ResourceVector.Zero, true),
            new(new HostId(2), _limit, ResourceVector.Zero, false),
        ];

        Assert.Equal(new HostId(1), VmPlacement.MostFreeMemory(new ResourceVector(1, 1024, 10), new HostId(1), hosts));
        Assert.Null(VmPlacement.MostFreeMemory(new ResourceVector(1, 1024, 10), new HostId(2), hosts));
        Assert.Null(VmPlacement.MostFreeMemory(new ResourceVector(1, 40_000, 10), new HostId(1), hosts));
        Assert.Null(VmPlacement.MostFreeMemory(new ResourceVector(1, 1024, 10), new HostId(9), hosts));
    }
}
