namespace Roost.Core.Balancing.Consolidation;

/// <summary>IQR: upper threshold 1 − s·IQR(history), IQR with CloudSim's rounding.</summary>
public sealed class InterQuartileRangeDetector : DispersionThresholdDetector
{
    public InterQuartileRangeDetector(double safety, IOverloadDetector fallback)
        : base(safety, fallback)
    {
    }

    public override string Name => "iqr";

    protected override double Dispersion(ReadOnlySpan<double> history) => ConsolidationStatistics.InterQuartileRange(history);
}
