using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class ConsolidationStatisticsTests
{
    private const int Precision = 9;

    // Sorted: 15, 20, 35, 40, 50 (n = 5), given out of order so the sort is exercised.
    private static readonly double[] _five = [40, 15, 50, 20, 35];

    [Theory]
    [InlineData(new double[] { 1, 2, 0, 0 }, 2)]
    [InlineData(new double[] { 1, 0, 2 }, 3)]
    [InlineData(new double[] { 0, 5 }, 2)]
    [InlineData(new double[] { 3 }, 1)]
    [InlineData(new double[] { 0.5, 0.25, 0.125, 0 }, 3)]
    public void CountNonZeroBeginning_TrailingZeros_AreDropped(double[] data, int expected)
    {
        var count = ConsolidationStatistics.CountNonZeroBeginning(data);

        Assert.Equal(expected, count);
    }

    [Theory]
    [InlineData(new double[] { 0, 0, 0 })]
    [InlineData(new double[] { 0 })]
    [InlineData(new double[0])]
    public void CountNonZeroBeginning_AllZeroOrEmpty_AnswersOneLikeCloudSim(double[] data)
    {
        var count = ConsolidationStatistics.CountNonZeroBeginning(data);

        Assert.Equal(1, count);
    }

    [Theory]
    [InlineData(50, 35)] // pos = 50·6/100 = 3 → sorted[2] = 35
    [InlineData(25, 17.5)] // pos = 1.5 → 15 + 0.5·(20 − 15) = 17.5
    [InlineData(75, 45)] // pos = 4.5 → 40 + 0.5·(50 − 40) = 45
    [InlineData(40, 26)] // pos = 2.4 → 20 + 0.4·(35 − 20) = 26
    [InlineData(10, 15)] // pos = 0.6 < 1 → min = 15
    [InlineData(90, 50)] // pos = 5.4 ≥ n = 5 → max = 50
    [InlineData(100, 50)] // pos = 6 ≥ 5 → max = 50
    public void Percentile_LegacyEstimator_InterpolatesOrClampsAtEnds(double p, double expected)
    {
        var value = ConsolidationStatistics.Percentile(_five, p);

        Assert.Equal(expected, value, Precision);
    }

    [Fact]
    public void Percentile_SingleValue_ReturnsIt()
    {
        var value = ConsolidationStatistics.Percentile([7.5], 10);

        Assert.Equal(7.5, value);
    }

    [Fact]
    public void Percentile_Empty_IsNaN()
    {
        var value = ConsolidationStatistics.Percentile([], 50);

        Assert.True(double.IsNaN(value));
    }

    [Fact]
    public void Percentile_DoesNotReorderTheCallersData()
    {
        double[] data = [40, 15, 50, 20, 35];

        _ = ConsolidationStatistics.Percentile(data, 50);

        Assert.Equal([40, 15, 50, 20, 35], data);
    }

    [Theory]
    [InlineData(new double[] { 3, 1, 2 }, 2)] // pos = 0.5·4 = 2 → sorted[1] = 2
    [InlineData(new double[] { 4, 1, 3, 2 }, 2.5)] // pos = 2.5 → 2 + 0.5·(3 − 2) = 2.5
    [InlineData(new double[] { 1, 1, 2, 2, 4, 6, 9 }, 2)] // pos = 4 → sorted[3] = 2
    public void Median_IsTheFiftiethPercentile(double[] data, double expected)
    {
        var median = ConsolidationStatistics.Median(data);

        Assert.Equal(expected, median, Precision);
    }

    [Fact]
    public void MedianAbsoluteDeviation_OddCount_IsMedianOfDeviations()
    {
        // Median 2; |deviations| = 1, 1, 0, 0, 2, 4, 7 → sorted 0, 0, 1, 1, 2, 4, 7 → median 1.
        double[] data = [1, 1, 2, 2, 4, 6, 9];

        var mad = ConsolidationStatistics.MedianAbsoluteDeviation(data);

        Assert.Equal(1, mad, Precision);
    }

    [Fact]
    public void MedianAbsoluteDeviation_EvenCount_InterpolatesBothMedians()
    {
        // Median of 1..4 is 2.5; |deviations| = 1.5, 0.5, 0.5, 1.5 → sorted 0.5, 0.5, 1.5, 1.5 → pos 2.5 → 0.5 + 0.5·1 = 1.
        double[] data = [1, 2, 3, 4];

        var mad = ConsolidationStatistics.MedianAbsoluteDeviation(data);

        Assert.Equal(1, mad, Precision);
    }

    [Fact]
    public void MedianAbsoluteDeviation_TwelveSixteenths_IsTwoAndAHalfSixteenths()
    {
        // In sixteenths: 6, 11, 2, 8, 1, 7, 4, 10, 6, 3, 9, 5 → sorted 1 2 3 4 5 6 6 7 8 9 10 11, median (pos 6.5) = 6.
        // |deviations| = 0 5 4 2 5 1 2 4 0 3 3 1 → sorted 0 0 1 1 2 2 3 3 4 4 5 5, median (pos 6.5) = 2 + 0.5·1 = 2.5.
        double[] data = [0.375, 0.6875, 0.125, 0.5, 0.0625, 0.4375, 0.25, 0.625, 0.375, 0.1875, 0.5625, 0.3125];

        var mad = ConsolidationStatistics.MedianAbsoluteDeviation(data);

        Assert.Equal(2.5 / 16, mad, Precision);
    }

    [Theory]
    [InlineData(new double[0])]
    [InlineData(new double[] { 0.4, 0.4, 0.4 })]
    public void MedianAbsoluteDeviation_EmptyOrConstant_IsZero(double[] data)
    {
        var mad = ConsolidationStatistics.MedianAbsoluteDeviation(data);

        Assert.Equal(0, mad);
    }

    [Fact]
    public void InterQuartileRange_Twelve_UsesIndicesTwoAndNine()
    {
        // q1 = round(0.25·13) − 1 = round(3.25) − 1 = 2 → 3; q3 = round(9.75) − 1 = 9 → 10; IQR = 10 − 3 = 7.
        double[] data = [12, 5, 1, 9, 3, 11, 7, 2, 10, 4, 8, 6];

        var iqr = ConsolidationStatistics.InterQuartileRange(data);

        Assert.Equal(7, iqr, Precision);
    }

    [Fact]
    public void InterQuartileRange_FiveValues_RoundsHalfUpForQ3()
    {
        // q1 = round(1.5) − 1 = 2 − 1 = 1 → 20; q3 = round(4.5) − 1 = 5 − 1 = 4 → 50; IQR = 30.
        // (Banker's rounding would give round(4.5) = 4 → index 3 → 40 and an IQR of 20.)
        double[] data = [50, 10, 40, 20, 30];

        var iqr = ConsolidationStatistics.InterQuartileRange(data);

        Assert.Equal(30, iqr, Precision);
    }

    [Fact]
    public void InterQuartileRange_NineValues_RoundsHalfUpForQ1()
    {
        // Sorted squares 1, 4, 9, ..., 81. q1 = round(2.5) − 1 = 2 → 9; q3 = round(7.5) − 1 = 7 → 64; IQR = 55.
        // (Banker's rounding would give round(2.5) = 2 → index 1 → 4 and an IQR of 60.)
        double[] data = [81, 1, 49, 9, 25, 64, 4, 36, 16];

        var iqr = ConsolidationStatistics.InterQuartileRange(data);

        Assert.Equal(55, iqr, Precision);
    }

    [Fact]
    public void InterQuartileRange_Empty_IsZero()
    {
        var iqr = ConsolidationStatistics.InterQuartileRange([]);

        Assert.Equal(0, iqr);
    }

    [Fact]
    public void LoessParameterEstimates_ExactLine_RecoversInterceptAndSlope()
    {
        // y = 0.1 + 0.05·x at x = 1..5.
        double[] y = [0.15, 0.2, 0.25, 0.3, 0.35];

        var (intercept, slope) = ConsolidationStatistics.LoessParameterEstimates(y);

        Assert.Equal(0.1, intercept, Precision);
        Assert.Equal(0.05, slope, Precision);
    }

    [Fact]
    public void LoessParameterEstimates_NoisyPoints_IsOrdinaryLeastSquares()
    {
        // x = 1..4, mean x = 2.5, mean y = 11/4 = 2.75. dx = −1.5, −0.5, 0.5, 1.5; Sxx = 5.
        // dy = −1.75, 0.25, −0.75, 2.25; Sxy = 2.625 − 0.125 − 0.375 + 3.375 = 5.5.
        // slope = 5.5 / 5 = 1.1; intercept = 2.75 − 1.1·2.5 = 0.
        double[] y = [1, 3, 2, 5];

        var (intercept, slope) = ConsolidationStatistics.LoessParameterEstimates(y);

        Assert.Equal(0, intercept, Precision);
        Assert.Equal(1.1, slope, Precision);
    }

    [Fact]
    public void LoessParameterEstimates_TenPointsWithOutlier_IsNotDownWeighted()
    {
        // y = 1..9, 100 at x = 1..10. mean x = 5.5, mean y = 145/10 = 14.5, Sxx = 82.5.
        // Σxy = (1 + 4 + ... + 81) + 1000 = 285 + 1000 = 1285; Sxy = 1285 − 10·5.5·14.5 = 1285 − 797.5 = 487.5.
        // slope = 487.5 / 82.5 = 65/11; intercept = 14.5 − (65/11)·5.5 = 14.5 − 32.5 = −18.
        double[] y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100];

        var (intercept, slope) = ConsolidationStatistics.LoessParameterEstimates(y);

        Assert.Equal(-18, intercept, Precision);
        Assert.Equal(65.0 / 11, slope, Precision);
    }

    [Fact]
    public void RobustLoessParameterEstimates_NoisyPoints_EqualsPlainLeastSquares()
    {
        // Same hand fit as the plain case (intercept 0, slope 1.1): no bisquare weight is ever zero, so, as in
        // CloudSim 3.0.3, the 40 %-zero rule never applies the weights and LRR fits exactly like LR.
        double[] y = [1, 3, 2, 5];

        var (intercept, slope) = ConsolidationStatistics.RobustLoessParameterEstimates(y);

        Assert.Equal(0, intercept, Precision);
        Assert.Equal(1.1, slope, Precision);
    }

    [Fact]
    public void RobustLoessParameterEstimates_OutlierAtTheEnd_StillEqualsPlainLeastSquares()
    {
        // Hand fit above: intercept −18, slope 65/11. A truly robust fit would discount the 100; CloudSim's does not.
        double[] y = [1, 2, 3, 4, 5, 6, 7, 8, 9, 100];

        var (intercept, slope) = ConsolidationStatistics.RobustLoessParameterEstimates(y);

        Assert.Equal(-18, intercept, Precision);
        Assert.Equal(65.0 / 11, slope, Precision);
    }

    [Fact]
    public void RobustLoessParameterEstimates_ExactLine_RecoversInterceptAndSlope()
    {
        // Zero residuals make the bisquare scale 0 (0/0 = NaN): every weight becomes double.MaxValue, none zero.
        double[] y = [0.15, 0.2, 0.25, 0.3, 0.35];

        var (intercept, slope) = ConsolidationStatistics.RobustLoessParameterEstimates(y);

        Assert.Equal(0.1, intercept, Precision);
        Assert.Equal(0.05, slope, Precision);
    }

    [Fact]
    public void TricubeWeights_Four_AreReciprocalsWithTheFirstThreeEqual()
    {
        // top = spread = 3. i = 2: k = (1 − (1/3)³)³ = (26/27)³ → weight 27³/26³ = 19683/17576; i = 3: k = 1 → 1.
        var weights = ConsolidationStatistics.TricubeWeights(4);

        Assert.Equal(4, weights.Length);
        Assert.Equal(19683.0 / 17576, weights[0], Precision);
        Assert.Equal(19683.0 / 17576, weights[1], Precision);
        Assert.Equal(19683.0 / 17576, weights[2], Precision);
        Assert.Equal(1, weights[3], Precision);
    }

    [Fact]
    public void TricubeWeights_FewerThanThree_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ConsolidationStatistics.TricubeWeights(2));
    }

    [Fact]
    public void RSquared_ExactlyLinear_IsOne()
    {
        // y = 2 + 3·x1 − x2: 2 + 3 − 2 = 3, 2 + 6 − 1 = 7, 2 + 9 − 4 = 7, 2 + 12 − 3 = 11, 2 + 15 − 5 = 12.
        double[] x1 = [1, 2, 3, 4, 5];
        double[] x2 = [2, 1, 4, 3, 5];
        double[] y = [3, 7, 7, 11, 12];

        var r2 = ConsolidationStatistics.RSquared([x1, x2], y);

        Assert.Equal(1, r2, Precision);
    }

    [Fact]
    public void RSquared_OneRegressor_MatchesHandComputedFit()
    {
        // Fit y = 0 + 1.1·x (see the LOESS case). Fitted 1.1, 2.2, 3.3, 4.4; residuals −0.1, 0.8, −1.3, 0.6.
        // SSR = 0.01 + 0.64 + 1.69 + 0.36 = 2.7; SST = 1.75² + 0.25² + 0.75² + 2.25² = 8.75.
        // R² = 1 − 2.7/8.75 = 6.05/8.75 = 121/175 (also Sxy²/(Sxx·Syy) = 30.25/(5·8.75)).
        double[] x = [1, 2, 3, 4];
        double[] y = [1, 3, 2, 5];

        var r2 = ConsolidationStatistics.RSquared([x], y);

        Assert.Equal(121.0 / 175, r2, Precision);
    }

    [Fact]
    public void RSquared_TwoRegressorsOnOrthogonalContrasts_MatchesProjection()
    {
        // Centred columns are contrasts a = (1, 1, −1, −1), b = (1, −1, 1, −1), c = (1, −1, −1, 1), orthogonal, |·|² = 4.
        // y = a + b + c on (a, b): projection a + b, R² = |a + b|² / |a + b + c|² = 8/12 = 2/3.
        double[] a = [1, 1, -1, -1];
        double[] b = [1, -1, 1, -1];
        double[] y = [3, -1, -1, -1];

        var r2 = ConsolidationStatistics.RSquared([a, b], y);

        Assert.Equal(2.0 / 3, r2, Precision);
    }

    [Fact]
    public void RSquared_ObservationsEqualRegressorsPlusOne_Throws()
    {
        // Two regressors plus the intercept are three parameters; three observations leave no degree of freedom.
        double[] x1 = [1, 2, 3];
        double[] x2 = [2, 1, 4];
        double[] y = [1, 2, 3];

        Assert.Throws<ArgumentException>(() => ConsolidationStatistics.RSquared([x1, x2], y));
    }

    [Fact]
    public void RSquared_FewerObservationsThanParameters_Throws()
    {
        double[] x = [1];
        double[] y = [1];

        Assert.Throws<ArgumentException>(() => ConsolidationStatistics.RSquared([x], y));
    }

    [Fact]
    public void RSquared_CollinearRegressors_Throws()
    {
        double[] x1 = [1, 2, 3, 4, 5];
        double[] x2 = [1, 2, 3, 4, 5];
        double[] y = [2, 1, 4, 3, 5];

        Assert.Throws<ArgumentException>(() => ConsolidationStatistics.RSquared([x1, x2], y));
    }
}
