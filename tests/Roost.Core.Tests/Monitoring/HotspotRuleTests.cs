using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Monitoring;

public sealed class HotspotRuleTests
{
    private static HotspotRule Rule => HotspotRule.Default;

    [Fact]
    public void Defaults_AreThreeOfFiveAbove75Percent()
    {
        Assert.Equal(3, Rule.K);
        Assert.Equal(5, Rule.N);
        Assert.Equal(0.75, Rule.Threshold);
    }

    [Fact]
    public void IsHot_ThreeRecentHighSamplesAndHighForecast_IsHot()
    {
        // μ = 0.62, φ = 0.2096 / 0.336 ≈ 0.624, forecast ≈ 0.62 + 0.624 · 0.28 ≈ 0.795 > 0.75.
        double[] observations = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9];

        Assert.True(Rule.IsHot(observations, capacity: 1));
    }

    [Fact]
    public void IsHot_OnlyTwoOfFiveHigh_IsNotHot()
    {
        double[] observations = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.9];

        Assert.False(Rule.IsHot(observations, capacity: 1));
    }

    [Fact]
    public void IsHot_KOfNMetButForecastBelowThreshold_IsNotHot()
    {
        // μ = 0.58, φ = 0.2816 / 0.768 ≈ 0.367, forecast ≈ 0.58 + 0.367 · 0.32 ≈ 0.697 ≤ 0.75.
        double[] observations = [0.1, 0.1, 0.9, 0.9, 0.9];

        Assert.False(Rule.IsHot(observations, capacity: 1));
    }

    [Fact]
    public void IsHot_ScalesThresholdByCapacity()
    {
        double[] cores = [2, 2, 2, 2, 2, 2, 2, 3.6, 3.6, 3.6];

        Assert.True(Rule.IsHot(cores, capacity: 4));
        Assert.False(Rule.IsHot(cores, capacity: 8));
    }

    [Fact]
    public void IsHot_ExactlyAtThreshold_DoesNotCount()
    {
        Assert.False(Rule.IsHot([0.75, 0.75, 0.75, 0.75, 0.75], capacity: 1));
        Assert.True(Rule.IsHot([0.76, 0.76, 0.76, 0.76, 0.76], capacity: 1));
    }

    [Fact]
    public void IsHot_ConfigurableKAndN()
    {
        var strict = new HotspotRule(k: 5, n: 5, threshold: 0.75);
        double[] observations = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9, 0.9];

        Assert.False(strict.IsHot(observations, capacity: 1));
        Assert.True(new HotspotRule(k: 1, n: 1, threshold: 0.5).IsHot([0.1, 0.9, 0.9], capacity: 1));
    }

    [Fact]
    public void Constructor_RejectsKAboveN()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HotspotRule(k: 6, n: 5));
    }

    [Fact]
    public void IsHot_Window_MatchesSpan()
    {
        var window = new SampleWindow(12);
        double[] observations = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.9, 0.9];
        foreach (var x in observations)
        {
            window.Add(x);
        }

        Assert.True(Rule.IsHot(window, capacity: 1));
    }
}
