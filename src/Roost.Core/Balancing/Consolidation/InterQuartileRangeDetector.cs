namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// IQR: upper threshold 1 − s·IQR(history); with fewer than 12 history values, the fallback decides (CloudSim uses a
/// static 0.7 threshold).
/// </summary>
public sealed class InterQuartileRangeDetector : IOverloadDetector
{
    private const int MinimumHistory = 12;
    private readonly IOverloadDetector _fallback;

    public InterQuartileRangeDetector(double safety, IOverloadDetector fallback)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(safety);
        ArgumentNullException.ThrowIfNull(fallback);
        Safety = safety;
        _fallback = fallback;
    }

    public string Name => "iqr";

    public double Safety { get; }

    public bool IsOverloaded(HostLoad load)
    {
        if (ConsolidationStatistics.CountNonZeroBeginning(load.History) < MinimumHistory)
        {
            return _fallback.IsOverloaded(load);
        }

        var upper = 1 - (Safety * ConsolidationStatistics.InterQuartileRange(load.History));
        return load.RequestedUtilization > upper;
    }
}
