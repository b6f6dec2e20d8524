namespace Roost.Core.Balancing.Consolidation;

/// <summary>THR: overloaded when the requested utilisation exceeds a fixed threshold.</summary>
public sealed class StaticThresholdDetector : IOverloadDetector
{
    public StaticThresholdDetector(double threshold)
    {
        if (threshold is <= 0 or > 1 || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "A utilisation threshold lies in (0, 1].");
        }

        Threshold = threshold;
    }

    public string Name => "thr";

    public double Threshold { get; }

    public bool IsOverloaded(HostLoad load) => load.RequestedUtilization > Threshold;
}
