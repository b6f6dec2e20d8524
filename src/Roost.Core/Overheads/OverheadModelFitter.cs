using System.Globalization;
using MathNet.Numerics.LinearAlgebra;

namespace Roost.Core.Overheads;

/// <summary>
/// Builds a MOVE model from benchmark samples: one model for the guest's CPU and one for the emulation/I-O CPU, each by
/// robust stepwise regression (<see cref="StepwiseSelection"/> over <see cref="RobustRegression"/>) followed by
/// refinement (drop benchmarks the first model fits far worse than the rest, fit again), or by plain least squares
/// as the baseline. Pure and deterministic: samples in, model out.
/// </summary>
public static class OverheadModelFitter
{
    /// <param name="samples">Training samples, any order; refinement groups them by <see cref="BenchmarkSample.Benchmark"/>.</param>
    /// <param name="platform">Where the samples were measured; saved with the model.</param>
    /// <param name="options">Method and its options (<see cref="OverheadFitOptions.Default"/> is MOVE's).</param>
    /// <param name="candidates">Metrics offered to selection (default: all), e.g. the columns a samples file has.</param>
    public static OverheadFitResult Fit(
        IReadOnlyList<BenchmarkSample> samples,
        PlatformDescription platform,
        OverheadFitOptions options,
        IReadOnlyList<NativeMetric>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        var metrics = (candidates ?? NativeMetrics.All).Distinct().Order().ToArray();
        if (metrics.Length == 0)
        {
            return new OverheadFitResult.Failed("no candidate metrics");
        }

        // Least squares needs more samples than coefficients; refinement needs benchmarks to compare.
        if (samples.Count < metrics.Length + 2)
        {
            return new OverheadFitResult.Failed(string.Create(
                CultureInfo.InvariantCulture, $"{samples.Count} samples are too few for {metrics.Length} candidate metrics (need at least {metrics.Length + 2})"));
        }

        // One canonical order, so the same samples in any order give the same model, bit for bit.
        samples = Canonical(samples);
        var guest = FitTarget(samples, metrics, s => s.Virtual.GuestPct, options);
        var emulation = FitTarget(samples, metrics, s => s.Virtual.EmulationPct, options);
        if (guest is null || emulation is null)
        {
            return new OverheadFitResult.Failed($"the {(guest is null ? "guest" : "emulation")} CPU model could not be fitted: the samples do not determine it");
        }

        var benchmarks = samples.Select(s => s.Benchmark).Distinct().Order(StringComparer.Ordinal).ToArray();
        var training = new OverheadTraining(samples.Count, benchmarks, metrics);
        return new OverheadFitResult.Fitted(new OverheadModel(platform, options, training, guest, emulation));
    }

    private static CpuModel? FitTarget(
        IReadOnlyList<BenchmarkSample> samples, NativeMetric[] metrics, Func<BenchmarkSample, double> target, OverheadFitOptions options)
    {
        if (FitOnce(samples, metrics, target, options) is not { } model)
        {
            return null;
        }

        if (options.Method == FitMethod.LeastSquares)
        {
            return model;
        }

        var remaining = samples;
        var dropped = new List<string>();
        for (var round = 0; round < options.Refinement.Rounds; round++)
        {
            var outliers = OutlierBenchmarks(remaining, model, target, options.Refinement.OutlierStandardDeviations);
            if (outliers.Count == 0)
            {
                break;
            }

            var kept = remaining.Where(s => !outliers.Contains(s.Benchmark)).ToArray();
            if (kept.Length < metrics.Length + 2 || kept.Select(s => s.Benchmark).Distinct().Count() < 2
                || FitOnce(kept, metrics, target, options) is not { } refitted)
            {
                break;
            }

            dropped.AddRange(outliers);
            remaining = kept;
            model = refitted;
        }

        dropped.Sort(StringComparer.Ordinal);
        return model with { Summary = model.Summary with { DroppedBenchmarks = dropped } };
    }

    /// <summary>
    /// Benchmarks whose mean squared error under <paramref name="model"/> exceeds the mean of all benchmarks' MSEs by
    /// more than k sample standard deviations (see <see cref="RefinementOptions"/>). Needs three benchmarks.
    /// </summary>
    private static HashSet<string> OutlierBenchmarks(
        IReadOnlyList<BenchmarkSample> samples, CpuModel model, Func<BenchmarkSample, double> target, double k)
    {
        var errors = samples
            .GroupBy(s => s.Benchmark, StringComparer.Ordinal)
            .Select(g => (Benchmark: g.Key, Mse: g.Average(s => Square(target(s) - model.Predict(s.Native)))))
            .OrderBy(e => e.Benchmark, StringComparer.Ordinal)
            .ToArray();
        var outliers = new HashSet<string>(StringComparer.Ordinal);
        if (errors.Length < 3)
        {
            return outliers;
        }

        var mean = errors.Average(e => e.Mse);
        var deviation = Math.Sqrt(errors.Sum(e => Square(e.Mse - mean)) / (errors.Length - 1));
        foreach (var (benchmark, mse) in errors)
        {
            if (mse > mean + (k * deviation))
            {
                outliers.Add(benchmark);
            }
        }

        return outliers;
    }

    private static CpuModel? FitOnce(
        IReadOnlyList<BenchmarkSample> samples, NativeMetric[] metrics, Func<BenchmarkSample, double> target, OverheadFitOptions options)
    {
        var x = Matrix<double>.Build.Dense(samples.Count, metrics.Length, (i, j) => samples[i].Native[metrics[j]]);
        var y = Vector<double>.Build.Dense(samples.Count, i => target(samples[i]));
        IReadOnlyList<int> selected;
        RegressionFit fit;
        var steps = 0;
        if (options.Method == FitMethod.RobustStepwise)
        {
            if (StepwiseSelection.Select(x, y, options.Robust, options.Stepwise) is not { } result)
            {
                return null;
            }

            (selected, fit, steps) = (result.Selected, result.Fit, result.Steps);
        }
        else
        {
            // Every metric that is not constant or a combination of those before it, in metric order.
            var usable = new List<int>();
            for (var column = 0; column < metrics.Length; column++)
            {
                if (StepwiseSelection.Fit(x, y, [.. usable, column], robust: null) is not null)
                {
                    usable.Add(column);
                }
            }

            if (StepwiseSelection.Fit(x, y, usable, robust: null) is not { } plain)
            {
                return null;
            }

            (selected, fit) = (usable, plain);
        }

        var terms = selected
            .Select((column, k) => new ModelTerm(metrics[column], fit.Coefficients[k + 1], fit.StandardErrors[k + 1], fit.PValues[k + 1]))
            .ToArray();
        // Coefficient k + 1 belongs to column selected[k].
        var errors = new double[samples.Count];
        for (var i = 0; i < errors.Length; i++)
        {
            var predicted = fit.Coefficients[0];
            for (var k = 0; k < selected.Count; k++)
            {
                predicted += fit.Coefficients[k + 1] * x[i, selected[k]];
            }

            errors[i] = Math.Abs(y[i] - predicted);
        }

        var summary = new CpuModelSummary(
            samples.Count,
            samples.Select(s => s.Benchmark).Distinct().Count(),
            [],
            fit.Iterations,
            fit.Converged,
            fit.Scale,
            steps,
            Math.Sqrt(errors.Average(e => e * e)),
            RobustRegression.Median(errors));
        return new CpuModel(fit.Coefficients[0], terms, summary);
    }

    private static BenchmarkSample[] Canonical(IReadOnlyList<BenchmarkSample> samples)
    {
        var ordered = samples.ToArray();
        Array.Sort(ordered, (a, b) =>
        {
            var order = string.CompareOrdinal(a.Benchmark, b.Benchmark);
            foreach (var metric in NativeMetrics.All)
            {
                order = order != 0 ? order : a.Native[metric].CompareTo(b.Native[metric]);
            }

            order = order != 0 ? order : a.Virtual.GuestPct.CompareTo(b.Virtual.GuestPct);
            return order != 0 ? order : a.Virtual.EmulationPct.CompareTo(b.Virtual.EmulationPct);
        });
        return ordered;
    }

    private static double Square(double value) => value * value;
}
