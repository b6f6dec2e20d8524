namespace Roost.Core.Monitoring;

/// <summary>
/// The distribution of one quantity over a window (Sandpiper's "profile"): the observations sorted, with percentile
/// queries. Immutable.
/// </summary>
public sealed class UsageProfile
{
    private readonly double[] _sorted;

    private UsageProfile(double[] sorted)
    {
        _sorted = sorted;
    }

    public int Count => _sorted.Length;

    public double Min => _sorted.Length == 0 ? 0 : _sorted[0];

    public double Max => _sorted.Length == 0 ? 0 : _sorted[^1];

    public static UsageProfile From(ReadOnlySpan<double> observations)
    {
        var sorted = observations.ToArray();
        Array.Sort(sorted);
        return new UsageProfile(sorted);
    }

    public static UsageProfile From(SampleWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var sorted = window.ToArray();
        Array.Sort(sorted);
        return new UsageProfile(sorted);
    }

    /// <summary>The <paramref name="percent"/>-th percentile (0..100); 0 for an empty profile. See <see cref="Percentile(ReadOnlySpan{double}, double)"/>.</summary>
    public double Percentile(double percent) => Percentile(_sorted, percent);

    /// <summary>
    /// Percentile of already sorted values by linear interpolation between closest ranks (Hyndman &amp; Fan type 7,
    /// numpy's default): rank h = (n − 1)·p/100, value = x[⌊h⌋] + (h − ⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). 0 for no values.
    /// </summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double percent)
    {
        if (percent is < 0 or > 100 || double.IsNaN(percent))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile must lie in [0, 100].");
        }

        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (sorted.Length - 1) * percent / 100.0;
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }

    /// <summary>
    /// The same percentile as <see cref="Percentile(ReadOnlySpan{double}, double)"/>, from values in any order: the two
    /// order statistics it needs are found by selection (expected O(n)) instead of a sort. Reorders
    /// <paramref name="values"/>.
    /// </summary>
    public static double PercentileInPlace(Span<double> values, double percent)
    {
        if (percent is < 0 or > 100 || double.IsNaN(percent))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "A percentile must lie in [0, 100].");
        }

        if (values.Length == 0)
        {
            return 0;
        }

        var rank = (values.Length - 1) * percent / 100.0;
        var lower = (int)Math.Floor(rank);
        var fromTop = values.Length - lower;
        if (fromTop <= 4)
        {
            return PercentileNearTop(values, rank, lower, fromTop);
        }

        var low = Select(values, lower);
        if (lower + 1 >= values.Length || rank == lower)
        {
            return low;
        }

        // After selection everything right of 'lower' is at least values[lower]; the next order statistic is their minimum.
        var high = values[lower + 1];
        for (var i = lower + 2; i < values.Length; i++)
        {
            high = Math.Min(high, values[i]);
        }

        return low + ((rank - lower) * (high - low));
    }

    /// <summary>High percentiles of short windows (p95 of 12 samples): keep the few largest values in one pass.</summary>
    private static double PercentileNearTop(ReadOnlySpan<double> values, double rank, int lower, int fromTop)
    {
        // top[0] ≥ top[1] ≥ … : the fromTop largest values; top[fromTop − 1] is sorted[lower], top[fromTop − 2] is sorted[lower + 1].
        Span<double> top = stackalloc double[fromTop];
        top.Fill(double.NegativeInfinity);
        foreach (var x in values)
        {
            if (x <= top[fromTop - 1])
            {
                continue;
            }

            var i = fromTop - 1;
            while (i > 0 && top[i - 1] < x)
            {
                top[i] = top[i - 1];
                i--;
            }

            top[i] = x;
        }

        var low = top[fromTop - 1];
        if (fromTop == 1 || rank == lower)
        {
            return low;
        }

        var high = top[fromTop - 2];
        return low + ((rank - lower) * (high - low));
    }

    /// <summary>Hoare's selection: puts the k-th smallest value at index k, smaller ones left of it, larger right.</summary>
    private static double Select(Span<double> values, int k)
    {
        var left = 0;
        var right = values.Length - 1;
        while (left < right)
        {
            var pivot = values[left + ((right - left) / 2)];
            var i = left;
            var j = right;
            while (i <= j)
            {
                while (values[i] < pivot)
                {
                    i++;
                }

                while (values[j] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                break;
            }
        }

        return values[k];
    }
}
