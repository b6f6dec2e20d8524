namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// MAD: upper threshold 1 − s·MAD(history); with fewer than 12 history values, the fallback decides.
/// </summary>
public sealed class MedianAbsoluteDeviationDetector : IOverloadDetector
{
    private const int MinimumHistory = 12;
    private readonly IOverloadDetector _fallback;

    public MedianAbsoluteDeviationDetector(double safety, IOverloadDetector fallback)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(safety);
        ArgumentNullException.ThrowIfNull(fallback);
        Safety = safety;
        _fallback = fallback;
    }

    public string Name => "mad";

    public double Safety { get; }

    public bool IsOverloaded(HostLoad load)
    {
        if (ConsolidationStatistics.CountNonZeroBeginning(load.History) < MinimumHistory)
        {
            return _fallback.IsOverloaded(load);
        }

        var upper = 1 - (Safety * ConsolidationStatistics.MedianAbsoluteDeviation(load.History));
        return load.RequestedUtilization > upper;
    }
}
