namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// The statistics Beloglazov &amp; Buyya's overload detectors and VM selectors rest on (CCPE 2012, §5), computed the
/// way CloudSim 3.0.3's <c>MathUtil</c> computes them, so Roost's baselines reproduce its figures.
/// Every method is pure and allocation-free unless it returns an array.
/// </summary>
public static class ConsolidationStatistics
{
    /// <summary>
    /// Length of <paramref name="data"/> once trailing zeros are dropped (CloudSim's <c>countNonZeroBeginning</c>).
    /// Quirk kept on purpose: an all-zero or empty input answers 1, as CloudSim's does.
    /// </summary>
    public static int CountNonZeroBeginning(ReadOnlySpan<double> data)
    {
        var i = data.Length - 1;
        while (i >= 0)
        {
            if (data[i--] != 0)
            {
                break;
            }
        }

        return i + 2;
    }

    /// <summary>The p-th percentile with the estimator of Apache Commons Math's <c>Percentile</c> (legacy, p in (0, 100]).</summary>
    public static double Percentile(ReadOnlySpan<double> data, double p)
    {
        if (data.IsEmpty)
        {
            return double.NaN;
        }

        Span<double> sorted = data.Length <= 64 ? stackalloc double[data.Length] : new double[data.Length];
        data.CopyTo(sorted);
        sorted.Sort();
        return PercentileOfSorted(sorted, p);
    }

    /// <summary>Median as Commons Math computes it (the 50th percentile estimator).</summary>
    public static double Median(ReadOnlySpan<double> data) => Percentile(data, 50);

    /// <summary>Median absolute deviation from the median (MAD), unscaled.</summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<double> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        var median = Median(data);
        Span<double> deviations = data.Length <= 64 ? stackalloc double[data.Length] : new double[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            deviations[i] = Math.Abs(median - data[i]);
        }

        return Median(deviations);
    }

    /// <summary>
    /// Interquartile range with CloudSim's own rounding: Q1 at index round(0.25(n+1)) − 1 and Q3 at round(0.75(n+1)) − 1
    /// of the sorted data (Java's <c>Math.round</c>: halves round up).
    /// </summary>
    public static double InterQuartileRange(ReadOnlySpan<double> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        Span<double> sorted = data.Length <= 64 ? stackalloc double[data.Length] : new double[data.Length];
        data.CopyTo(sorted);
        sorted.Sort();
        var q1 = (int)Math.Floor((0.25 * (data.Length + 1)) + 0.5) - 1;
        var q3 = (int)Math.Floor((0.75 * (data.Length + 1)) + 0.5) - 1;
        return sorted[q3] - sorted[q1];
    }

    /// <summary>
    /// Intercept and slope of the local regression CloudSim's LR detector fits to <paramref name="y"/> at x = 1..n.
    /// CloudSim builds tricube weights but applies them only when at least 40 % are zero, which tricube weights never
    /// are, so the fit is ordinary least squares; we keep that behaviour (documented in docs/baselines.md).
    /// </summary>
    public static (double Intercept, double Slope) LoessParameterEstimates(ReadOnlySpan<double> y)
    {
        // Tricube weights are 1/k with k in (0, 1], or double.MaxValue: never zero, so CloudSim's 40 %-zero rule never
        // switches them on and the fit is plain least squares. Computing them would change nothing.
        return LeastSquares(y, ReadOnlySpan<double>.Empty);
    }

    /// <summary>
    /// The robust variant (LRR): a first fit as <see cref="LoessParameterEstimates"/>, then bisquare re-weighting by
    /// the residuals. As in CloudSim 3.0.3 the weights take effect only when at least 40 % of them are zero.
    /// </summary>
    public static (double Intercept, double Slope) RobustLoessParameterEstimates(ReadOnlySpan<double> y)
    {
        var n = y.Length;
        var first = LoessParameterEstimates(y);
        Span<double> residuals = n <= 64 ? stackalloc double[n] : new double[n];
        for (var i = 0; i < n; i++)
        {
            residuals[i] = y[i] - (first.Intercept + (first.Slope * (i + 1)));
        }

        var weights = TricubeBisquareWeights(residuals);
        var robust = LeastSquares(y, AppliedWeights(weights));
        return double.IsNaN(robust.Intercept) || double.IsNaN(robust.Slope) ? first : robust;
    }

    /// <summary>Tricube weights as CloudSim computes them (reciprocals, the first three equal to the third).</summary>
    public static double[] TricubeWeights(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 3);
        var weights = new double[n];
        double top = n - 1;
        var spread = top;
        for (var i = 2; i < n; i++)
        {
            var k = Math.Pow(1 - Math.Pow((top - i) / spread, 3), 3);
            weights[i] = k > 0 ? 1 / k : double.MaxValue;
        }

        weights[0] = weights[1] = weights[2];
        return weights;
    }

    private static double[] TricubeBisquareWeights(ReadOnlySpan<double> residuals)
    {
        var n = residuals.Length;
        var weights = TricubeWeights(n);
        var result = new double[n];
        Span<double> absolute = n <= 64 ? stackalloc double[n] : new double[n];
        for (var i = 0; i < n; i++)
        {
            absolute[i] = Math.Abs(residuals[i]);
        }

        var s6 = Median(absolute) * 6;
        for (var i = 2; i < n; i++)
        {
            var k = Math.Pow(1 - Math.Pow(residuals[i] / s6, 2), 2);
            result[i] = k > 0 ? (1 / k) * weights[i] : double.MaxValue;
        }

        result[0] = result[1] = result[2];
        return result;
    }

    /// <summary>CloudSim applies weights only when at least 40 % of them are zero or negative.</summary>
    private static ReadOnlySpan<double> AppliedWeights(double[] weights)
    {
        var zeroWeights = 0;
        foreach (var w in weights)
        {
            if (w <= 0)
            {
                zeroWeights++;
            }
        }

        return zeroWeights >= 0.4 * weights.Length ? weights : ReadOnlySpan<double>.Empty;
    }

    /// <summary>Least squares of (√w·x, √w·y) at x = 1..n; no weights when <paramref name="weights"/> is empty.</summary>
    private static (double Intercept, double Slope) LeastSquares(ReadOnlySpan<double> y, ReadOnlySpan<double> weights)
    {
        var n = y.Length;
        double sumX = 0, sumY = 0;
        Span<double> xs = n <= 64 ? stackalloc double[n] : new double[n];
        Span<double> ys = n <= 64 ? stackalloc double[n] : new double[n];
        for (var i = 0; i < n; i++)
        {
            var root = weights.IsEmpty ? 1 : Math.Sqrt(weights[i]);
            xs[i] = root * (i + 1);
            ys[i] = root * y[i];
            sumX += xs[i];
            sumY += ys[i];
        }

        var meanX = sumX / n;
        var meanY = sumY / n;
        double sxx = 0, sxy = 0;
        for (var i = 0; i < n; i++)
        {
            var dx = xs[i] - meanX;
            sxx += dx * dx;
            sxy += dx * (ys[i] - meanY);
        }

        var slope = sxy / sxx;
        return (meanY - (slope * meanX), slope);
    }

    /// <summary>
    /// Coefficient of determination R² of the ordinary least-squares regression (with intercept) of
    /// <paramref name="y"/> on the columns <paramref name="x"/> (each of y's length). Throws
    /// <see cref="ArgumentException"/> when there are not more observations than regressors or the system is
    /// singular, as Commons Math's <c>OLSMultipleLinearRegression</c> does (the MC selector then falls back).
    /// </summary>
    public static double RSquared(IReadOnlyList<double[]> x, ReadOnlySpan<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        var m = y.Length;
        var p = x.Count + 1;
        if (m <= p)
        {
            throw new ArgumentException("not enough observations for the number of regressors");
        }

        // Normal equations with Cholesky would lose precision; a Householder QR of the m × p design is exact enough.
        var a = new double[m, p];
        var b = new double[m];
        for (var i = 0; i < m; i++)
        {
            a[i, 0] = 1;
            for (var j = 1; j < p; j++)
            {
                a[i, j] = x[j - 1][i];
            }

            b[i] = y[i];
        }

        var beta = SolveLeastSquares(a, b, m, p);
        double mean = 0;
        for (var i = 0; i < m; i++)
        {
            mean += y[i];
        }

        mean /= m;
        double ssr = 0, sst = 0;
        for (var i = 0; i < m; i++)
        {
            var fitted = beta[0];
            for (var j = 1; j < p; j++)
            {
                fitted += beta[j] * x[j - 1][i];
            }

            ssr += (y[i] - fitted) * (y[i] - fitted);
            sst += (y[i] - mean) * (y[i] - mean);
        }

        return 1 - (ssr / sst);
    }

    private static double[] SolveLeastSquares(double[,] a, double[] b, int m, int p)
    {
        for (var k = 0; k < p; k++)
        {
            double norm = 0;
            for (var i = k; i < m; i++)
            {
                norm += a[i, k] * a[i, k];
            }

            norm = Math.Sqrt(norm);
            if (norm < 1e-12)
            {
                throw new ArgumentException("singular design matrix");
            }

            var alpha = a[k, k] > 0 ? -norm : norm;
            var v0 = a[k, k] - alpha;
            a[k, k] = alpha;
            var vNorm2 = v0 * v0;
            for (var i = k + 1; i < m; i++)
            {
                vNorm2 += a[i, k] * a[i, k];
            }

            if (vNorm2 == 0)
            {
                continue;
            }

            for (var j = k + 1; j < p; j++)
            {
                var dot = v0 * a[k, j];
                for (var i = k + 1; i < m; i++)
                {
                    dot += a[i, k] * a[i, j];
                }

                var factor = 2 * dot / vNorm2;
                a[k, j] -= factor * v0;
                for (var i = k + 1; i < m; i++)
                {
                    a[i, j] -= factor * a[i, k];
                }
            }

            var dotB = v0 * b[k];
            for (var i = k + 1; i < m; i++)
            {
                dotB += a[i, k] * b[i];
            }

            var factorB = 2 * dotB / vNorm2;
            b[k] -= factorB * v0;
            for (var i = k + 1; i < m; i++)
            {
                b[i] -= factorB * a[i, k];
            }
        }

        var beta = new double[p];
        for (var k = p - 1; k >= 0; k--)
        {
            var sum = b[k];
            for (var j = k + 1; j < p; j++)
            {
                sum -= a[k, j] * beta[j];
            }

            beta[k] = sum / a[k, k];
        }

        return beta;
    }

    private static double PercentileOfSorted(ReadOnlySpan<double> sorted, double p)
    {
        var n = sorted.Length;
        if (n == 1)
        {
            return sorted[0];
        }

        var pos = p * (n + 1) / 100;
        var floor = Math.Floor(pos);
        var d = pos - floor;
        if (pos < 1)
        {
            return sorted[0];
        }

        if (pos >= n)
        {
            return sorted[n - 1];
        }

        var lower = sorted[(int)floor - 1];
        var upper = sorted[(int)floor];
        return lower + (d * (upper - lower));
    }
}
