using Roost.Core.Model;

namespace Roost.Core.Tests.Model;

public sealed class ResourceVectorTests
{
    [Fact]
    public void Arithmetic_IsComponentWise()
    {
        var a = new ResourceVector(1, 512, 100);
        var b = new ResourceVector(0.5, 256, 10);

        Assert.Equal(new ResourceVector(1.5, 768, 110), a + b);
        Assert.Equal(new ResourceVector(0.5, 256, 90), a - b);
        Assert.Equal(new ResourceVector(2, 1024, 200), a * 2);
        Assert.Equal(new ResourceVector(1, 512, 100), ResourceVector.Max(a, b));
        Assert.Equal(b, ResourceVector.Min(a, b));
    }

    [Fact]
    public void FitsWithin_FailsWhenAnyComponentExceeds()
    {
        var capacity = new ResourceVector(4, 4096, 1000);

        Assert.True(new ResourceVector(4, 4096, 1000).FitsWithin(capacity));
        Assert.False(new ResourceVector(1, 4097, 10).FitsWithin(capacity));
        Assert.True(new ResourceVector(1, 4097, 10).ExceedsAny(capacity));
    }

    [Fact]
    public void FractionOf_DividesPerComponent_AndZeroCapacityIsInfiniteUnlessZeroAmount()
    {
        var fraction = new ResourceVector(1, 1024, 0).FractionOf(new ResourceVector(4, 4096, 0));

        Assert.Equal(0.25, fraction.CpuCores);
        Assert.Equal(0.25, fraction.MemoryMiB);
        Assert.Equal(0, fraction.NetworkMbps);
        Assert.Equal(double.PositiveInfinity, new ResourceVector(0, 0, 1).FractionOf(ResourceVector.Zero).NetworkMbps);
    }
}
