using System.Diagnostics.CodeAnalysis;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace Roost.Core.Overheads;

/// <summary>
/// Linear least squares, plain or robust (IRLS with Tukey's bisquare weight), always with an intercept. Pure.
/// </summary>
/// <remarks>
/// IRLS (Holland &amp; Welsch 1977; the robust half of MOVE's "robust stepwise linear regression"): start from least
/// squares; then repeatedly take the residuals r, the scale σ̂ = median|rᵢ| / 0.6745 (the MAD of the residuals about
/// zero, their centre under a model with an intercept; 0.6745 makes it consistent for normal errors), the weights
/// wᵢ = B(rᵢ / (c·σ̂)) with B(u) = (1 − u²)² for |u| &lt; 1 and 0 beyond, and solve weighted least squares again,
/// until no weight moves by more than the tolerance or the iteration cap is reached.
/// Every least-squares system is solved by a thin QR factorisation of √W·X (MathNet), never the normal equations.
/// </remarks>
internal static class RobustRegression
{
    /// <summary>median|Z| for Z ~ N(0, 1): divides the MAD to estimate σ.</summary>
    public const double MadToSigma = 0.6744897501960817;

    /// <summary>A column is dependent on those before it when QR leaves it less than this share of its norm.</summary>
    public const double RankTolerance = 1e-9;

    /// <summary>
    /// Floor on σ̂ relative to the data, so that an exact fit of half the samples (σ̂ = 0) weights those samples 1 and
    /// the rest 0 instead of dividing by zero.
    /// </summary>
    private const double ScaleFloor = 1e-12;

    /// <summary>
    /// Ordinary least squares of <paramref name="y"/> on an intercept and the columns of <paramref name="predictors"/>.
    /// False when the columns (with the intercept) are linearly dependent or leave no residual degree of freedom.
    /// </summary>
    public static bool TryLeastSquares(Matrix<double> predictors, Vector<double> y, [NotNullWhen(true)] out RegressionFit? fit)
    {
        var x = Design(predictors, y);
        var weights = Ones(y.Count);
        fit = null;
        if (!TrySolveWeighted(x, y, weights, out var beta, out var rInverse))
        {
            return false;
        }

        return TryStatistics(x, y, weights, beta, rInverse, 0, 0, true, out fit);
    }

    /// <summary>
    /// Robust least squares by IRLS with the bisquare weight. False when a weighted system becomes singular before any
    /// robust step could be taken, or too few samples keep a weight for a residual degree of freedom.
    /// </summary>
    public static bool TryFit(Matrix<double> predictors, Vector<double> y, RobustRegressionOptions options, [NotNullWhen(true)] out RegressionFit? fit)
    {
        ArgumentNullException.ThrowIfNull(options);
        var x = Design(predictors, y);
        var weights = Ones(y.Count);
        fit = null;
        if (!TrySolveWeighted(x, y, weights, out var beta, out var rInverse))
        {
            return false;
        }

        var floor = ScaleFloor * (1 + y.AbsoluteMaximum());
        var residuals = new double[y.Count];
        var scale = 0.0;
        var iterations = 0;
        var converged = false;
        while (iterations < options.MaxIterations)
        {
            Residuals(x, y, beta, residuals);
            scale = Median(residuals.Select(Math.Abs).ToArray()) / MadToSigma;
            var next = Bisquare(residuals, options.TuningConstant * Math.Max(scale, floor));
            if (MaxDifference(next, weights) <= options.ConvergenceTolerance)
            {
                converged = true;
                break;
            }

            // A weighting that makes the system singular (a metric non-zero only in samples now weighted 0) ends the
            // iteration at the last solvable fit, reported as not converged.
            if (!TrySolveWeighted(x, y, next, out var nextBeta, out var nextRInverse))
            {
                break;
            }

            weights = next;
            beta = nextBeta;
            rInverse = nextRInverse;
            iterations++;
        }

        return TryStatistics(x, y, weights, beta, rInverse, scale, iterations, converged, out fit);
    }

    /// <summary>Tukey's bisquare: (1 − u²)² for |u| &lt; 1, else 0, with u = r / <paramref name="cutoff"/>.</summary>
    public static double[] Bisquare(IReadOnlyList<double> residuals, double cutoff)
    {
        var weights = new double[residuals.Count];
        for (var i = 0; i < weights.Length; i++)
        {
            var u = residuals[i] / cutoff;
            weights[i] = Math.Abs(u) < 1 ? (1 - (u * u)) * (1 - (u * u)) : 0;
        }

        return weights;
    }

    /// <summary>The median, averaging the two middle values of an even count. Sorts <paramref name="values"/> in place.</summary>
    public static double Median(double[] values)
    {
        ArgumentOutOfRangeException.ThrowIfZero(values.Length);
        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    private static Matrix<double> Design(Matrix<double> predictors, Vector<double> y)
    {
        ArgumentNullException.ThrowIfNull(predictors);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfNotEqual(predictors.RowCount, y.Count, nameof(y));
        return Matrix<double>.Build.Dense(predictors.RowCount, predictors.ColumnCount + 1, (i, j) => j == 0 ? 1 : predictors[i, j - 1]);
    }

    private static double[] Ones(int count)
    {
        var ones = new double[count];
        Array.Fill(ones, 1.0);
        return ones;
    }

    private static void Residuals(Matrix<double> x, Vector<double> y, double[] beta, double[] residuals)
    {
        for (var i = 0; i < residuals.Length; i++)
        {
            var fitted = 0.0;
            for (var j = 0; j < beta.Length; j++)
            {
                fitted += x[i, j] * beta[j];
            }

            residuals[i] = y[i] - fitted;
        }
    }

    private static double MaxDifference(double[] a, double[] b)
    {
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }

    /// <summary>Weighted least squares by thin QR of √W·X; false when a column is dependent on those before it.</summary>
    private static bool TrySolveWeighted(Matrix<double> x, Vector<double> y, double[] weights, out double[] beta, out Matrix<double> rInverse)
    {
        beta = [];
        rInverse = Matrix<double>.Build.Dense(1, 1);
        var p = x.ColumnCount;
        var kept = weights.Count(w => w > 0);
        if (kept < p)
        {
            return false;
        }

        var a = Matrix<double>.Build.Dense(kept, p);
        var b = Vector<double>.Build.Dense(kept);
        var row = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            if (weights[i] > 0)
            {
                var root = Math.Sqrt(weights[i]);
                for (var j = 0; j < p; j++)
                {
                    a[row, j] = root * x[i, j];
                }

                b[row++] = root * y[i];
            }
        }

        var qr = a.QR(QRMethod.Thin);
        var r = qr.R;
        for (var j = 0; j < p; j++)
        {
            var norm = a.Column(j).L2Norm();
            if (!(norm > 0) || !(Math.Abs(r[j, j]) > RankTolerance * norm))
            {
                return false;
            }
        }

        beta = qr.Solve(b).ToArray();
        rInverse = r.Inverse();
        return beta.All(double.IsFinite);
    }

    private static bool TryStatistics(
        Matrix<double> x,
        Vector<double> y,
        double[] weights,
        double[] beta,
        Matrix<double> rInverse,
        double scale,
        int iterations,
        bool converged,
        [NotNullWhen(true)] out RegressionFit? fit)
    {
        fit = null;
        var p = beta.Length;
        var degrees = weights.Count(w => w > 0) - p;
        if (degrees < 1)
        {
            return false;
        }

        var residuals = new double[y.Count];
        Residuals(x, y, beta, residuals);
        var weightedSquares = 0.0;
        for (var i = 0; i < residuals.Length; i++)
        {
            weightedSquares += weights[i] * residuals[i] * residuals[i];
        }

        var variance = weightedSquares / degrees;
        var errors = new double[p];
        var pValues = new double[p];
        for (var j = 0; j < p; j++)
        {
            // diag((RᵀR)⁻¹) = row sums of squares of R⁻¹.
            var diagonal = 0.0;
            for (var k = 0; k < p; k++)
            {
                diagonal += rInverse[j, k] * rInverse[j, k];
            }

            errors[j] = Math.Sqrt(variance * diagonal);
            pValues[j] = TwoSidedPValue(beta[j], errors[j], degrees);
        }

        fit = new RegressionFit(beta, errors, pValues, weights, scale, iterations, converged) { DegreesOfFreedom = degrees };
        return true;
    }

    /// <summary>P(|T| ≥ |β / SE|) for Student's t on <paramref name="degrees"/> degrees of freedom.</summary>
    private static double TwoSidedPValue(double coefficient, double standardError, int degrees)
    {
        if (standardError == 0)
        {
            return coefficient == 0 ? 1 : 0;
        }

        var t = Math.Abs(coefficient / standardError);
        return double.IsFinite(t) ? Math.Min(1, 2 * StudentT.CDF(0, 1, degrees, -t)) : 1;
    }
}
