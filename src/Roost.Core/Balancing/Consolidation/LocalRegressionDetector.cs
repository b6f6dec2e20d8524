namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// LR / LRR: fit a local regression to the last 10 history values (oldest first, x = 1..10), extrapolate to the
/// time the host's largest VM would have finished migrating (⌈T_mig / interval⌉ steps ahead), multiply by the safety
/// parameter s, and call the host overloaded when s·û ≥ 1. Fewer than 10 values: the fallback decides.
/// </summary>
public sealed class LocalRegressionDetector : IOverloadDetector
{
    private const int Length = 10;
    private readonly IOverloadDetector _fallback;

    public LocalRegressionDetector(double safety, TimeSpan schedulingInterval, bool robust, IOverloadDetector fallback)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(safety);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(schedulingInterval, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(fallback);
        Safety = safety;
        SchedulingInterval = schedulingInterval;
        Robust = robust;
        _fallback = fallback;
    }

    public string Name => Robust ? "lrr" : "lr";

    public double Safety { get; }

    public TimeSpan SchedulingInterval { get; }

    public bool Robust { get; }

    public bool IsOverloaded(HostLoad load)
    {
        var history = load.History;
        if (history.Length < Length)
        {
            return _fallback.IsOverloaded(load);
        }

        Span<double> oldestFirst = stackalloc double[Length];
        for (var i = 0; i < Length; i++)
        {
            oldestFirst[i] = history[Length - i - 1];
        }

        var (intercept, slope) = Robust
            ? ConsolidationStatistics.RobustLoessParameterEstimates(oldestFirst)
            : ConsolidationStatistics.LoessParameterEstimates(oldestFirst);
        var migrationIntervals = Math.Ceiling(load.MaxVmMigrationSeconds / SchedulingInterval.TotalSeconds);
        var predicted = (intercept + (slope * (Length + migrationIntervals))) * Safety;
        return predicted >= 1;
    }
}
