using Roost.Core.Balancing;
using Roost.Core.Model;

namespace Roost.Core.Tests.Balancing;

public sealed class VolumeTests
{
    private static ResourceVector Capacity => new(4, 4096, 1000);

    [Fact]
    public void Of_HandComputed()
    {
        // cpu 0.5, mem 0.5, net 0.2: 1 / (0.5 · 0.8 · 0.5) = 5.
        var volume = Volume.Of(new ResourceVector(2, 2048, 200), Capacity);

        Assert.Equal(5, volume, 12);
    }

    [Fact]
    public void Of_IdleHost_IsOne()
    {
        Assert.Equal(1, Volume.Of(ResourceVector.Zero, Capacity));
    }

    [Fact]
    public void Of_SaturatedOrOvercommitted_IsClampedBelowOne()
    {
        var saturated = Volume.Of(new ResourceVector(4, 0, 0), Capacity);
        var overcommitted = Volume.Of(new ResourceVector(9, 0, 0), Capacity);

        Assert.Equal(1 / (1 - Volume.MaxUtilisation), saturated, 9);
        Assert.Equal(saturated, overcommitted);
        Assert.True(double.IsFinite(Volume.Of(new ResourceVector(4, 4096, 1000), Capacity)));
    }

    [Fact]
    public void SizeRatio_IsVolumePerMiB()
    {
        Assert.Equal(5.0 / 512, Volume.SizeRatio(5, 512), 15);
        Assert.Equal(5, Volume.SizeRatio(5, 0));
    }
}
