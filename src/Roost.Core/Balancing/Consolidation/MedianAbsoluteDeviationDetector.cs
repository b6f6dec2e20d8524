namespace Roost.Core.Balancing.Consolidation;

/// <summary>MAD: upper threshold 1 − s·MAD(history), the unscaled median absolute deviation.</summary>
public sealed class MedianAbsoluteDeviationDetector : DispersionThresholdDetector
{
    public MedianAbsoluteDeviationDetector(double safety, IOverloadDetector fallback)
        : base(safety, fallback)
    {
    }

    public override string Name => "mad";

    protected override double Dispersion(ReadOnlySpan<double> history) => ConsolidationStatistics.MedianAbsoluteDeviation(history);
}
