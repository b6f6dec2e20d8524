namespace Roost.Core.Overheads;

/// <summary>
/// How well a model predicts measured virtual CPU, per application (MOVE's validation): each sample's relative error
/// |predicted − measured| / measured, for the guest model, the emulation model and their sum, summarised by median
/// and 90th percentile. Samples whose measured value is below <see cref="MinimumMeasuredPct"/> (a relative error of
/// almost nothing is meaningless) are left out of that model's figures and counted.
/// </summary>
public sealed record PredictionErrors(string Application, int Samples, ErrorSummary Guest, ErrorSummary Emulation, ErrorSummary Total)
{
    /// <summary>Below this measured CPU (percent of one core) a sample's relative error is not computed.</summary>
    public const double MinimumMeasuredPct = 1.0;

    /// <summary>The application a sample belongs to: its workload name up to the last '-' (<c>web-100</c> → <c>web</c>).</summary>
    public static string ApplicationOf(string workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var dash = workload.LastIndexOf('-');
        return dash > 0 ? workload[..dash] : workload;
    }

    /// <summary>The errors of <paramref name="model"/> on <paramref name="samples"/>, one entry per application, in name order.</summary>
    public static IReadOnlyList<PredictionErrors> Of(OverheadModel model, IReadOnlyList<BenchmarkSample> samples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        return [.. samples.GroupBy(s => ApplicationOf(s.Benchmark), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var pairs = g.Select(s => (Predicted: model.Predict(s.Native), Measured: s.Virtual)).ToList();
                return new PredictionErrors(
                    g.Key,
                    pairs.Count,
                    ErrorSummary.Of(pairs.Select(p => (p.Predicted.GuestPct, p.Measured.GuestPct))),
                    ErrorSummary.Of(pairs.Select(p => (p.Predicted.EmulationPct, p.Measured.EmulationPct))),
                    ErrorSummary.Of(pairs.Select(p => (p.Predicted.TotalPct, p.Measured.TotalPct))));
            })];
    }
}

/// <summary>Median and 90th percentile (nearest rank) of relative errors in percent, over <see cref="Counted"/> samples; <see cref="Skipped"/> had too little measured CPU.</summary>
public sealed record ErrorSummary(double MedianPct, double P90Pct, int Counted, int Skipped)
{
    public static ErrorSummary Of(IEnumerable<(double Predicted, double Measured)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var errors = new List<double>();
        var skipped = 0;
        foreach (var (predicted, measured) in pairs)
        {
            if (measured < PredictionErrors.MinimumMeasuredPct)
            {
                skipped++;
                continue;
            }

            errors.Add(Math.Abs(predicted - measured) / measured * 100);
        }

        if (errors.Count == 0)
        {
            return new ErrorSummary(double.NaN, double.NaN, 0, skipped);
        }

        errors.Sort();
        return new ErrorSummary(RobustRegression.Median([.. errors]), errors[(int)Math.Ceiling(0.9 * errors.Count) - 1], errors.Count, skipped);
    }
}
