using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class LocalRegressionDetectorTests
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    // Most recent first. Oldest first (x = 1..10): 0.40 0.50 0.45 0.55 0.50 0.60 0.55 0.65 0.60 0.70.
    // mean x = 5.5, mean y = 5.5/10 = 0.55, Sxx = 82.5.
    // dx·dy: (−4.5)(−0.15) + (−3.5)(−0.05) + (−2.5)(−0.10) + 0 + (−0.5)(−0.05) + (0.5)(0.05) + 0 + (2.5)(0.10)
    //        + (3.5)(0.05) + (4.5)(0.15) = 0.675 + 0.175 + 0.25 + 0.025 + 0.025 + 0.25 + 0.175 + 0.675 = 2.25.
    // slope = 2.25/82.5 = 3/110; intercept = 0.55 − 5.5·3/110 = 0.55 − 0.15 = 0.40.
    // û(x) = 0.4 + 3x/110: û(10) = 74/110, û(12) = 80/110 = 8/11, û(13) = 83/110.
    // Read the wrong way round (oldest at x = 10) the slope would be −3/110 and û(12) = 0.70 − 36/110 ≈ 0.373.
    private static readonly double[] _rising = [0.70, 0.60, 0.65, 0.55, 0.60, 0.50, 0.55, 0.45, 0.50, 0.40];

    [Theory]
    [InlineData(false, 1.37, false)] // 1.37·8/11 = 10.96/11 ≈ 0.9964 < 1
    [InlineData(false, 1.38, true)] // 1.38·8/11 = 11.04/11 ≈ 1.0036 ≥ 1
    [InlineData(true, 1.37, false)]
    [InlineData(true, 1.38, true)]
    public void IsOverloaded_TwoIntervalsAhead_PredictionJustBelowOrAboveOne(bool robust, double safety, bool expected)
    {
        // T_mig = 600 s, interval 300 s: ⌈600/300⌉ = 2 steps → x = 12.
        var detector = new LocalRegressionDetector(safety, _interval, robust, new FixedAnswerDetector(!expected));

        var overloaded = detector.IsOverloaded(new HostLoad(_rising, 0, 600));

        Assert.Equal(expected, overloaded);
    }

    [Theory]
    [InlineData(600, false)] // ⌈2⌉ = 2 → x = 12: 1.35·80/110 = 108/110 ≈ 0.982
    [InlineData(601, true)] // ⌈2.003⌉ = 3 → x = 13: 1.35·83/110 = 112.05/110 ≈ 1.019
    [InlineData(0, false)] // 0 steps → x = 10: 1.35·74/110 = 99.9/110 ≈ 0.908
    public void IsOverloaded_MigrationTime_RoundsUpToWholeIntervals(double migrationSeconds, bool expected)
    {
        var detector = new LocalRegressionDetector(1.35, _interval, robust: false, new FixedAnswerDetector(!expected));

        var overloaded = detector.IsOverloaded(new HostLoad(_rising, 0, migrationSeconds));

        Assert.Equal(expected, overloaded);
    }

    [Theory]
    [InlineData(1.48, false)] // x = 10: 1.48·74/110 = 109.52/110 ≈ 0.9956
    [InlineData(1.49, true)] // 1.49·74/110 = 110.26/110 ≈ 1.0024
    public void IsOverloaded_NoMigrationTime_PredictsAtTheLatestPoint(double safety, bool expected)
    {
        var detector = new LocalRegressionDetector(safety, _interval, robust: false, new FixedAnswerDetector(!expected));

        var overloaded = detector.IsOverloaded(new HostLoad(_rising, 0, 0));

        Assert.Equal(expected, overloaded);
    }

    [Fact]
    public void IsOverloaded_OlderValuesBeyondTen_AreIgnored()
    {
        // Two high values older than the last ten must not change the hand fit: 1.38·8/11 ≈ 1.0036 ≥ 1.
        double[] history = [.. _rising, 1.0, 1.0];
        var detector = new LocalRegressionDetector(1.38, _interval, robust: false, new FixedAnswerDetector(false));

        var overloaded = detector.IsOverloaded(new HostLoad(history, 0, 600));

        Assert.True(overloaded);
    }

    [Theory]
    [InlineData(2.0, true)] // flat 0.5: slope 0, û = 0.5 exactly; 2·0.5 = 1 ≥ 1
    [InlineData(1.999, false)] // 1.999·0.5 = 0.9995
    public void IsOverloaded_PredictionExactlyOne_IsOverloaded(double safety, bool expected)
    {
        double[] flat = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
        var detector = new LocalRegressionDetector(safety, _interval, robust: false, new FixedAnswerDetector(!expected));

        var overloaded = detector.IsOverloaded(new HostLoad(flat, 0, 900));

        Assert.Equal(expected, overloaded);
    }

    [Fact]
    public void IsOverloaded_IgnoresRequestedUtilization()
    {
        // 1.37·8/11 < 1 although the host requests 100 % now: LR looks at the trend only.
        var detector = new LocalRegressionDetector(1.37, _interval, robust: false, new FixedAnswerDetector(true));

        var overloaded = detector.IsOverloaded(new HostLoad(_rising, 1.0, 600));

        Assert.False(overloaded);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void IsOverloaded_NineValues_AsksTheFallback(bool robust)
    {
        var fallback = new FixedAnswerDetector(answer: true);
        var detector = new LocalRegressionDetector(1.2, _interval, robust, fallback);

        var overloaded = detector.IsOverloaded(new HostLoad(_rising.AsSpan(0, 9), 0, 0));

        Assert.True(overloaded);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void IsOverloaded_TenValues_DoesNotAskTheFallback()
    {
        var fallback = new FixedAnswerDetector(answer: true);
        var detector = new LocalRegressionDetector(1.2, _interval, robust: false, fallback);

        _ = detector.IsOverloaded(new HostLoad(_rising, 0, 0));

        Assert.Equal(0, fallback.Calls);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1.2)]
    public void Constructor_NonPositiveSafety_Throws(double safety)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LocalRegressionDetector(safety, _interval, false, new FixedAnswerDetector(false)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-300)]
    public void Constructor_NonPositiveInterval_Throws(double seconds)
    {
        var interval = TimeSpan.FromSeconds(seconds);

        Assert.Throws<ArgumentOutOfRangeException>(() => new LocalRegressionDetector(1.2, interval, false, new FixedAnswerDetector(false)));
    }

    [Theory]
    [InlineData(false, "lr")]
    [InlineData(true, "lrr")]
    public void Name_FollowsRobustness(bool robust, string expected)
    {
        var detector = new LocalRegressionDetector(1.2, _interval, robust, new FixedAnswerDetector(false));

        Assert.Equal(expected, detector.Name);
    }
}
