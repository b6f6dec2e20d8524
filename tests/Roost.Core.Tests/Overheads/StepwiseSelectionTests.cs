using MathNet.Numerics.LinearAlgebra;
using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class StepwiseSelectionTests
{
    /// <summary>
    /// Columns a, b, c: a 2³ factorial design in ±1, twice over (16 rows); y = 10 + 2a + 0.5b + 0.1·abc. In a full
    /// factorial, abc is orthogonal to 1, a, b and c, so by hand: the fit on (1, a, b) is exactly (10, 2, 0.5) with
    /// residuals ±0.1 (all the same size, so bisquare weights them equally and the robust fit is that fit); adding c
    /// gives it coefficient Σc·r / Σc² = 0, t = 0, p = 1 &gt; 0.05, so c never enters. b enters after a: with a in the
    /// model its t is 0.5 / √(σ̂²/16) with σ̂² = 16·0.01/13, t = 18.0, p ≈ 1e-10.
    /// </summary>
    private static (Matrix<double> X, Vector<double> Y) Factorial()
    {
        var rows = new List<double[]>();
        var y = new List<double>();
        for (var replicate = 0; replicate < 2; replicate++)
        {
            foreach (var a in new[] { -1.0, 1.0 })
            {
                foreach (var b in new[] { -1.0, 1.0 })
                {
                    foreach (var c in new[] { -1.0, 1.0 })
                    {
                        rows.Add([a, b, c]);
                        y.Add(10 + (2 * a) + (0.5 * b) + (0.1 * a * b * c));
                    }
                }
            }
        }

        return (Matrix<double>.Build.DenseOfRowArrays(rows), Vector<double>.Build.DenseOfEnumerable(y));
    }

    [Fact]
    public void UselessMetric_IsLeftOut_NeededMetricsAreKept()
    {
        var (x, y) = Factorial();

        var result = StepwiseSelection.Select(x, y, RobustRegressionOptions.Default, StepwiseOptions.Default);

        Assert.NotNull(result);
        Assert.Equal([0, 1], result.Selected);
        Assert.Equal(10, result.Fit.Coefficients[0], 1e-9);
        Assert.Equal(2, result.Fit.Coefficients[1], 1e-9);
        Assert.Equal(0.5, result.Fit.Coefficients[2], 1e-9);
        Assert.Equal(2, result.Steps);
        Assert.False(result.StoppedEarly);
        Assert.InRange(result.Fit.PValues[2], 0, 1e-8);
    }

    [Fact]
    public void UselessMetric_HasCoefficientZeroAndPValueOne_WhenForcedIn()
    {
        var (x, y) = Factorial();

        var fit = StepwiseSelection.Fit(x, y, [0, 1, 2], RobustRegressionOptions.Default);

        Assert.NotNull(fit);
        Assert.Equal(0, fit.Coefficients[3], 1e-9);
        Assert.Equal(1, fit.PValues[3], 1e-6);
    }

    [Fact]
    public void ConstantColumn_NeverEnters()
    {
        var (x, y) = Factorial();
        var withConstant = x.Append(Matrix<double>.Build.Dense(x.RowCount, 1, 7));

        var result = StepwiseSelection.Select(withConstant, y, RobustRegressionOptions.Default, StepwiseOptions.Default);

        Assert.NotNull(result);
        Assert.Equal([0, 1], result.Selected);
    }

    [Fact]
    public void MetricMadeRedundantByLaterEntries_IsRemoved()
    {
        // x2, x3, x4, x5: a 2⁴ factorial in ±1, twice over (32 rows); x1 = x2 + x3 + x4 and y = 2·x2 + 2·x3 + 0.1·x2·x3·x4·x5.
        // Alone, x1 predicts y best (correlation 4 / (√3·√8) = 0.82 against 2 / √8 = 0.71 for x2 or x3), so it enters
        // first; x2 then x3 follow (x2 before x3: a tie, the lower index wins; x2's p given x1 is about 0.003). With x2
        // and x3 in, y is fitted exactly up to the interaction term, which is orthogonal to every main effect and so to
        // x1: x1's coefficient is 0, its p-value 1 > 0.10, and the backward step removes it. Four steps in all.
        var rows = new List<double[]>();
        var y = new List<double>();
        for (var i = 0; i < 32; i++)
        {
            double x2 = (i & 1) == 0 ? -1 : 1, x3 = (i & 2) == 0 ? -1 : 1, x4 = (i & 4) == 0 ? -1 : 1, x5 = (i & 8) == 0 ? -1 : 1;
            rows.Add([x2 + x3 + x4, x2, x3]);
            y.Add((2 * x2) + (2 * x3) + (0.1 * x2 * x3 * x4 * x5));
        }

        var result = StepwiseSelection.Select(
            Matrix<double>.Build.DenseOfRowArrays(rows), Vector<double>.Build.DenseOfEnumerable(y), RobustRegressionOptions.Default, StepwiseOptions.Default);

        Assert.NotNull(result);
        Assert.Equal([1, 2], result.Selected);
        Assert.Equal(4, result.Steps);
        Assert.Equal(2, result.Fit.Coefficients[1], 1e-9);
        Assert.Equal(2, result.Fit.Coefficients[2], 1e-9);
    }
}
