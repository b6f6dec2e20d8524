using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class InterQuartileRangeDetectorTests
{
    // 12 values, most recent first. Sorted: 0.0625, 0.125, 0.25, 0.3, 0.3, 0.35, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7.
    // q1 = round(0.25·13) − 1 = 2 → 0.25; q3 = round(0.75·13) − 1 = 9 → 0.5; IQR = 0.25.
    // With s = 1.5 the upper threshold is 1 − 1.5·0.25 = 0.625 (exact in binary).
    private static readonly double[] _history = [0.35, 0.7, 0.3, 0.0625, 0.5, 0.4, 0.25, 0.6, 0.35, 0.125, 0.45, 0.3];

    [Theory]
    [InlineData(0.6, false)]
    [InlineData(0.625, false)] // at the threshold: not overloaded
    [InlineData(0.626, true)]
    [InlineData(0.7, true)] // a static 0.7 threshold would say no; 1 − 1.5·IQR says yes
    public void IsOverloaded_TwelveValues_ComparesAgainstOneMinusSafetyTimesIqr(double requested, bool expected)
    {
        var fallback = new FixedAnswerDetector(answer: !expected);
        var detector = new InterQuartileRangeDetector(1.5, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(_history, requested, 0));

        Assert.Equal(expected, overloaded);
        Assert.Equal(0, fallback.Calls);
    }

    [Fact]
    public void IsOverloaded_SafetyZero_ThresholdIsOne()
    {
        var detector = new InterQuartileRangeDetector(0, new FixedAnswerDetector(answer: true));

        var overloaded = detector.IsOverloaded(new HostLoad(_history, 1, 0));

        Assert.False(overloaded);
    }

    [Fact]
    public void IsOverloaded_ElevenValues_AsksTheFallback()
    {
        var fallback = new FixedAnswerDetector(answer: true);
        var detector = new InterQuartileRangeDetector(1.5, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(_history.AsSpan(0, 11), 0.1, 0));

        Assert.True(overloaded);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void IsOverloaded_TwelveValuesEndingInZero_CountsElevenAndAsksTheFallback()
    {
        double[] history = [.. _history.AsSpan(0, 11), 0];
        var fallback = new FixedAnswerDetector(answer: false);
        var detector = new InterQuartileRangeDetector(1.5, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(history, 0.99, 0));

        Assert.False(overloaded);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void Constructor_NegativeSafety_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InterQuartileRangeDetector(-0.1, new FixedAnswerDetector(false)));
    }

    [Fact]
    public void Name_IsIqr()
    {
        var detector = new InterQuartileRangeDetector(1.5, new FixedAnswerDetector(false));

        Assert.Equal("iqr", detector.Name);
    }
}
