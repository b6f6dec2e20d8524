using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class StaticThresholdDetectorTests
{
    [Theory]
    [InlineData(0.5, false)]
    [InlineData(0.8, false)] // equal to the threshold: not overloaded (strictly greater is required)
    [InlineData(0.8000001, true)]
    [InlineData(1.0, true)]
    public void IsOverloaded_ComparesStrictlyAboveThreshold(double requested, bool expected)
    {
        var detector = new StaticThresholdDetector(0.8);

        var overloaded = detector.IsOverloaded(new HostLoad([], requested, 0));

        Assert.Equal(expected, overloaded);
    }

    [Fact]
    public void IsOverloaded_IgnoresHistory()
    {
        var detector = new StaticThresholdDetector(0.8);
        double[] history = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];

        var overloaded = detector.IsOverloaded(new HostLoad(history, 0.5, 1000));

        Assert.False(overloaded);
    }

    [Fact]
    public void IsOverloaded_ThresholdOne_NeverAtFullLoad()
    {
        var detector = new StaticThresholdDetector(1);

        var overloaded = detector.IsOverloaded(new HostLoad([], 1, 0));

        Assert.False(overloaded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void Constructor_ThresholdOutsideZeroToOne_Throws(double threshold)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StaticThresholdDetector(threshold));
    }

    [Fact]
    public void Name_IsThr()
    {
        var detector = new StaticThresholdDetector(0.8);

        Assert.Equal("thr", detector.Name);
    }
}
