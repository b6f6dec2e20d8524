namespace Roost.Core.Overheads;

/// <summary>
/// One sample of a native usage profile: a value for every <see cref="NativeMetric"/> (units there). Values are finite
/// and non-negative; a metric a source does not report is 0.
/// </summary>
public sealed class NativeUsage
{
    private readonly double[] _values;

    /// <param name="values">One value per metric, in <see cref="NativeMetric"/> order; copied.</param>
    public NativeUsage(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfNotEqual(values.Count, NativeMetrics.Count, nameof(values));
        _values = new double[NativeMetrics.Count];
        for (var i = 0; i < _values.Length; i++)
        {
            if (!double.IsFinite(values[i]) || values[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(values), values[i], $"{NativeMetrics.Name((NativeMetric)i)} must be finite and ≥ 0");
            }

            _values[i] = values[i];
        }
    }

    public double this[NativeMetric metric] => _values[(int)metric];

    /// <summary>A usage with the given metrics set and every other metric 0.</summary>
    public static NativeUsage Of(params (NativeMetric Metric, double Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var all = new double[NativeMetrics.Count];
        foreach (var (metric, value) in values)
        {
            all[(int)metric] = value;
        }

        return new NativeUsage(all);
    }
}
