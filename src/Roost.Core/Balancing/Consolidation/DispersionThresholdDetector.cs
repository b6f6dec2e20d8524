namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// The adaptive-threshold detectors of Beloglazov &amp; Buyya 2012 (§5.2): overloaded when the requested utilisation
/// exceeds 1 − s·D(history) for a dispersion statistic D; with fewer than 12 history values, the fallback decides
/// (CloudSim uses a static 0.7 threshold).
/// </summary>
public abstract class DispersionThresholdDetector : IOverloadDetector
{
    private const int MinimumHistory = 12;
    private readonly IOverloadDetector _fallback;

    protected DispersionThresholdDetector(double safety, IOverloadDetector fallback)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(safety);
        ArgumentNullException.ThrowIfNull(fallback);
        Safety = safety;
        _fallback = fallback;
    }

    public abstract string Name { get; }

    public double Safety { get; }

    public bool IsOverloaded(HostLoad load)
    {
        if (ConsolidationStatistics.CountNonZeroBeginning(load.History) < MinimumHistory)
        {
            return _fallback.IsOverloaded(load);
        }

        var upper = 1 - (Safety * Dispersion(load.History));
        return load.RequestedUtilization > upper;
    }

    /// <summary>The dispersion statistic of the history (most recent first).</summary>
    protected abstract double Dispersion(ReadOnlySpan<double> history);
}
