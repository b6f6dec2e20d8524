using Roost.Core.Monitoring;

namespace Roost.Core.Balancing;

/// <summary>
/// Sandpiper's gray-box CPU model (Wood et al., NSDI 2007, gray-box provisioning): the VM is a G/G/1 queue, and
/// Kingman's heavy-traffic bound on the mean waiting time, W ≤ λ(σa² + σb²) / (2(1 − ρ)), rearranged for the mean
/// response time d gives the largest arrival rate the VM can serve while meeting d:
/// <code>λcap ≥ [ s + (σa² + σb²) / (2 (d − s)) ]⁻¹</code>
/// with s the mean service time, σa² and σb² the variances of inter-arrival and service times. Derivation: with
/// ρ = λs and d = s + W at the bound, 2(d − s)(1 − λs) = λ(σa² + σb²); solve for λ. (Kingman's G/G/1 bound, as
/// presented in Kleinrock, Queueing Systems vol. 2.)
/// </summary>
public static class KingmanBound
{
    /// <summary>λcap in requests per second; 0 when the mean service time alone already misses the target (s ≥ d).</summary>
    public static double MaxArrivalRate(
        double meanServiceSeconds,
        double serviceVarianceSeconds2,
        double interArrivalVarianceSeconds2,
        double targetResponseSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(meanServiceSeconds);
        ArgumentOutOfRangeException.ThrowIfNegative(serviceVarianceSeconds2);
        ArgumentOutOfRangeException.ThrowIfNegative(interArrivalVarianceSeconds2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetResponseSeconds);
        if (meanServiceSeconds >= targetResponseSeconds)
        {
            return 0;
        }

        var bound = meanServiceSeconds
            + ((interArrivalVarianceSeconds2 + serviceVarianceSeconds2) / (2 * (targetResponseSeconds - meanServiceSeconds)));
        return bound <= 0 ? double.PositiveInfinity : 1 / bound;
    }

    /// <summary>
    /// The smallest CPU allocation (cores) whose λcap covers the observed arrival rate, assuming a request's service
    /// time scales as 1/cores (so s and σb shrink by the factor the allocation grows). A VM pinned at its cap with a
    /// growing queue has λ &gt; λcap at its current allocation and gets a larger answer. +∞ when no allocation suffices
    /// (the arrival variance alone breaks the target: λ ≥ 2d/σa²).
    /// </summary>
    public static double RequiredCpuCores(ApplicationStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        if (stats.ArrivalRatePerSecond <= 0)
        {
            return 0;
        }

        if (stats.InterArrivalVarianceSeconds2 > 0
            && stats.ArrivalRatePerSecond >= 2 * stats.TargetResponseSeconds / stats.InterArrivalVarianceSeconds2)
        {
            return double.PositiveInfinity;
        }

        // λcap(f) rises monotonically with the speed-up f, so bracket then bisect; f = 0 serves nothing.
        var high = 1.0;
        for (var i = 0; i < 200 && CapacityAt(stats, high) < stats.ArrivalRatePerSecond; i++)
        {
            high *= 2;
        }

        var low = 0.0;
        for (var i = 0; i < 100; i++)
        {
            var middle = (low + high) / 2;
            if (CapacityAt(stats, middle) >= stats.ArrivalRatePerSecond)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return stats.MeasuredAtCpuCores * high;
    }

    private static double CapacityAt(ApplicationStats stats, double speedUp) =>
        speedUp <= 0
            ? 0
            : MaxArrivalRate(
                stats.MeanServiceSeconds / speedUp,
                stats.ServiceVarianceSeconds2 / (speedUp * speedUp),
                stats.InterArrivalVarianceSeconds2,
                stats.TargetResponseSeconds);
}
