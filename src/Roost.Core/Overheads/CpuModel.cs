namespace Roost.Core.Overheads;

/// <summary>
/// A linear model of one virtual CPU figure (guest or emulation, percent of one core) from the native metrics:
/// <see cref="Intercept"/> + Σ coefficient × metric over <see cref="Terms"/> (metrics not in it have coefficient 0).
/// </summary>
public sealed record CpuModel(double Intercept, IReadOnlyList<ModelTerm> Terms, CpuModelSummary Summary)
{
    /// <summary>The linear prediction as fitted, unclamped (it may be negative near zero load).</summary>
    public double Predict(NativeUsage usage)
    {
        ArgumentNullException.ThrowIfNull(usage);
        var value = Intercept;
        foreach (var term in Terms)
        {
            value += term.Coefficient * usage[term.Metric];
        }

        return value;
    }
}
