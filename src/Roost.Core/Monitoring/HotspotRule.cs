namespace Roost.Core.Monitoring;

/// <summary>
/// Sandpiper's hotspot test for one resource (Wood et al., NSDI 2007, hotspot detection): hot only if at least <see cref="K"/> of
/// the last <see cref="N"/> observations <b>and</b> the AR(1) forecast of the next one exceed
/// <see cref="Threshold"/> × capacity. Requiring both filters out single spikes and transient blips.
/// </summary>
public sealed record HotspotRule
{
    public HotspotRule(int k = 3, int n = 5, double threshold = 0.75)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, k);
        if (threshold is <= 0 or > 1 || double.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The hotspot threshold must lie in (0, 1].");
        }

        K = k;
        N = n;
        Threshold = threshold;
    }

    public static HotspotRule Default { get; } = new();

    public int K { get; }

    public int N { get; }

    /// <summary>Fraction of capacity (0..1] above which an observation counts as hot.</summary>
    public double Threshold { get; }

    /// <summary>
    /// Applies the rule to <paramref name="observations"/> (oldest first, in the resource's unit) of a resource with
    /// <paramref name="capacity"/>. The AR(1) model is fitted on all given observations; the k-of-n count looks at the
    /// newest n. Fewer than k observations are never hot.
    /// </summary>
    public bool IsHot(ReadOnlySpan<double> observations, double capacity)
    {
        var limit = Threshold * capacity;
        if (CountAbove(observations, limit) < K)
        {
            return false;
        }

        return Ar1Model.Fit(observations).Forecast > limit;
    }

    /// <inheritdoc cref="IsHot(ReadOnlySpan{double}, double)"/>
    public bool IsHot(SampleWindow window, double capacity)
    {
        ArgumentNullException.ThrowIfNull(window);
        Span<double> buffer = window.Count <= 256 ? stackalloc double[window.Count] : new double[window.Count];
        window.CopyTo(buffer);
        return IsHot(buffer, capacity);
    }

    private int CountAbove(ReadOnlySpan<double> observations, double limit)
    {
        var recent = observations[Math.Max(0, observations.Length - N)..];
        var count = 0;
        foreach (var x in recent)
        {
            if (x > limit)
            {
                count++;
            }
        }

        return count;
    }
}
