using MathNet.Numerics.LinearAlgebra;
using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class RobustRegressionTests
{
    // Eight samples on y = 2 + 3x with residuals e = ±0.1 in the pattern (+ − − + + − − +) at x = 1..8, which sums to 0
    // and is orthogonal to x (0.1·(1 − 2 − 3 + 4 + 5 − 6 − 7 + 8) = 0), plus one outlier at x = 8, y = 2 + 24 + 30 = 56.
    private static readonly double[] _x = [1, 2, 3, 4, 5, 6, 7, 8, 8];
    private static readonly double[] _y = [5.1, 7.9, 10.9, 14.1, 17.1, 19.9, 22.9, 26.1, 56];

    [Fact]
    public void LeastSquares_FollowsTheOutlier()
    {
        // By hand: n = 9, Σx = 44, Σy = 180, Σx² = 268, Σxy = 1132, so Sxx = 268 − 44²/9 = 476/9 and
        // Sxy = 1132 − 44·180/9 = 252; slope = Sxy / Sxx = 81/17 = 4.7647…, intercept = 180/9 − (81/17)(44/9) = −56/17 = −3.2941….
        Assert.True(RobustRegression.TryLeastSquares(Column(_x), Vector<double>.Build.DenseOfArray(_y), out var fit));

        Assert.Equal(-56.0 / 17, fit.Coefficients[0], 1e-9);
        Assert.Equal(81.0 / 17, fit.Coefficients[1], 1e-9);
        Assert.All(fit.Weights, w => Assert.Equal(1, w));
    }

    [Fact]
    public void Bisquare_IgnoresTheOutlier_AndRecoversTheLine()
    {
        // By hand, (2, 3) is the fixed point IRLS reaches: there the inliers' residuals are ±0.1 and the outlier's 30, so
        // σ̂ = median|r| / 0.6745 = 0.1 / 0.6745 = 0.1483 and the cut-off c·σ̂ = 4.685 · 0.1483 = 0.695. The outlier
        // (30 > 0.695) gets weight 0; every inlier gets the same weight (1 − (0.1/0.695)²)² = 0.959, and weighted least
        // squares on equal weights is least squares on the inliers, whose residual pattern is orthogonal to 1 and x:
        // exactly (2, 3) again. (From the least-squares start it takes about 6 iterations; each cuts the error ~12-fold.)
        Assert.True(RobustRegression.TryFit(Column(_x), Vector<double>.Build.DenseOfArray(_y), RobustRegressionOptions.Default, out var fit));

        Assert.Equal(2, fit.Coefficients[0], 1e-5);
        Assert.Equal(3, fit.Coefficients[1], 1e-5);
        Assert.True(fit.Converged);
        Assert.Equal(0, fit.Weights[^1]);
        Assert.All(fit.Weights[..^1], w => Assert.Equal(Math.Pow(1 - Math.Pow(0.1 * RobustRegression.MadToSigma / (0.1 * 4.685), 2), 2), w, 1e-4));
        Assert.Equal(0.1 / RobustRegression.MadToSigma, fit.Scale, 1e-5);
    }

    [Fact]
    public void Bisquare_AtTheIterationCap_ReportsNotConverged()
    {
        var options = RobustRegressionOptions.Default with { MaxIterations = 1 };

        Assert.True(RobustRegression.TryFit(Column(_x), Vector<double>.Build.DenseOfArray(_y), options, out var fit));

        Assert.False(fit.Converged);
        Assert.Equal(1, fit.Iterations);
        Assert.NotEqual(2, fit.Coefficients[0], 1e-3);
    }

    [Fact]
    public void Bisquare_WeightFunction_MatchesTukey()
    {
        var weights = RobustRegression.Bisquare([0, 0.5, -0.5, 1, 2], cutoff: 1);

        Assert.Equal([1, 0.5625, 0.5625, 0, 0], weights);
    }

    [Fact]
    public void DependentColumns_AreRefused()
    {
        var x = Matrix<double>.Build.DenseOfColumnArrays([1, 2, 3, 4, 5.0], [2, 4, 6, 8, 10.0]);
        var y = Vector<double>.Build.DenseOfArray([1, 2, 3, 4, 6.0]);

        Assert.False(RobustRegression.TryLeastSquares(x, y, out _));
        Assert.False(RobustRegression.TryFit(x, y, RobustRegressionOptions.Default, out _));
    }

    [Fact]
    public void Options_OutOfRange_NameTheField()
    {
        Assert.Null(RobustRegressionOptions.Default.Validate());
        Assert.StartsWith("tuningConstant", new RobustRegressionOptions(TuningConstant: 0).Validate(), StringComparison.Ordinal);
        Assert.StartsWith("convergenceTolerance", new RobustRegressionOptions(ConvergenceTolerance: double.NaN).Validate(), StringComparison.Ordinal);
        Assert.StartsWith("maxIterations", new RobustRegressionOptions(MaxIterations: 0).Validate(), StringComparison.Ordinal);
        Assert.StartsWith("removePValue", new StepwiseOptions(EnterPValue: 0.1, RemovePValue: 0.05).Validate(), StringComparison.Ordinal);
    }

    private static Matrix<double> Column(double[] values) => Matrix<double>.Build.DenseOfColumnArrays(values);
}
