using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class MedianAbsoluteDeviationDetectorTests
{
    // 12 values, most recent first; in sixteenths 6, 11, 2, 8, 1, 7, 4, 10, 6, 3, 9, 5. Median (pos 6.5) = 6/16;
    // |deviations| sorted 0 0 1 1 2 2 3 3 4 4 5 5 → MAD = 2.5/16 = 0.15625.
    // With s = 2 the upper threshold is 1 − 2·0.15625 = 0.6875 (exact in binary).
    private static readonly double[] _history = [0.375, 0.6875, 0.125, 0.5, 0.0625, 0.4375, 0.25, 0.625, 0.375, 0.1875, 0.5625, 0.3125];

    [Theory]
    [InlineData(0.6, false)]
    [InlineData(0.6875, false)] // at the threshold: not overloaded
    [InlineData(0.69, true)]
    public void IsOverloaded_TwelveValues_ComparesAgainstOneMinusSafetyTimesMad(double requested, bool expected)
    {
        var fallback = new FixedAnswerDetector(answer: !expected);
        var detector = new MedianAbsoluteDeviationDetector(2, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(_history, requested, 0));

        Assert.Equal(expected, overloaded);
        Assert.Equal(0, fallback.Calls);
    }

    [Fact]
    public void IsOverloaded_ElevenValues_AsksTheFallback()
    {
        var fallback = new FixedAnswerDetector(answer: true);
        var detector = new MedianAbsoluteDeviationDetector(2, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(_history.AsSpan(0, 11), 0.1, 0));

        Assert.True(overloaded);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void IsOverloaded_AllZeroHistory_CountsOneAndAsksTheFallback()
    {
        var fallback = new FixedAnswerDetector(answer: false);
        var detector = new MedianAbsoluteDeviationDetector(2, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(new double[12], 0.99, 0));

        Assert.False(overloaded);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void Constructor_NegativeSafety_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MedianAbsoluteDeviationDetector(-1, new FixedAnswerDetector(false)));
    }

    [Fact]
    public void Name_IsMad()
    {
        var detector = new MedianAbsoluteDeviationDetector(2.5, new FixedAnswerDetector(false));

        Assert.Equal("mad", detector.Name);
    }
}
