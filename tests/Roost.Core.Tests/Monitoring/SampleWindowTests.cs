using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Monitoring;

public sealed class SampleWindowTests
{
    [Fact]
    public void Add_BeyondCapacity_DropsOldestAndKeepsChronologicalOrder()
    {
        var window = new SampleWindow(3);

        foreach (var x in new[] { 1.0, 2, 3, 4, 5 })
        {
            window.Add(x);
        }

        Assert.Equal(3, window.Count);
        Assert.Equal([3.0, 4, 5], window.ToArray());
        Assert.Equal(3, window[0]);
        Assert.Equal(5, window.Latest);
    }

    [Fact]
    public void Empty_HasNoSamplesAndLatestZero()
    {
        var window = new SampleWindow(4);

        Assert.Equal(0, window.Count);
        Assert.Equal(0, window.Latest);
        Assert.Empty(window.ToArray());
    }

    [Fact]
    public void Add_NonFinite_Throws()
    {
        var window = new SampleWindow(2);

        Assert.Throws<ArgumentOutOfRangeException>(() => window.Add(double.NaN));
    }
}
