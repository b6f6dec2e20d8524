using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Monitoring;

public sealed class UsageProfileTests
{
    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(50, 3.0)]
    [InlineData(95, 4.8)]
    [InlineData(100, 5.0)]
    public void Percentile_InterpolatesBetweenClosestRanks(double percent, double expected)
    {
        var profile = UsageProfile.From([5.0, 1, 4, 2, 3]);

        Assert.Equal(expected, profile.Percentile(percent), 9);
    }

    [Fact]
    public void Percentile_TwoValues_IsLinear()
    {
        var profile = UsageProfile.From([20.0, 10]);

        Assert.Equal(12.5, profile.Percentile(25), 9);
        Assert.Equal(10, profile.Min);
        Assert.Equal(20, profile.Max);
    }

    [Fact]
    public void Percentile_Empty_IsZero_AndOutOfRangeThrows()
    {
        var profile = UsageProfile.From([]);

        Assert.Equal(0, profile.Percentile(95));
        Assert.Throws<ArgumentOutOfRangeException>(() => profile.Percentile(101));
    }

    [Fact]
    public void From_Window_UsesAllHeldSamples()
    {
        var window = new SampleWindow(4);
        foreach (var x in new[] { 9.0, 1, 2, 3, 4 })
        {
            window.Add(x);
        }

        var profile = UsageProfile.From(window);

        Assert.Equal(4, profile.Count);
        Assert.Equal(4, profile.Percentile(100));
    }
}
