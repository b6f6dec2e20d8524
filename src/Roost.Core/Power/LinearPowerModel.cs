namespace Roost.Core.Power;

/// <summary>
/// P(u) = idle + (max − idle) · u. The classic linear model (Fan et al., ISCA 2007), CloudSim's <c>PowerModelLinear</c>.
/// </summary>
public sealed class LinearPowerModel : IPowerModel
{
    public LinearPowerModel(double maxWatts, double idleFraction)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxWatts);
        if (idleFraction is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(idleFraction), idleFraction, "The idle fraction must lie in [0, 1].");
        }

        MaxWatts = maxWatts;
        IdleWatts = maxWatts * idleFraction;
    }

    public string Name => $"linear {IdleWatts:0.#}-{MaxWatts:0.#} W";

    public double MaxWatts { get; }

    public double IdleWatts { get; }

    public double PowerWatts(double utilization)
    {
        if (utilization is < 0 or > 1 || double.IsNaN(utilization))
        {
            throw new ArgumentOutOfRangeException(nameof(utilization), utilization, "Utilisation must lie in [0, 1].");
        }

        return IdleWatts + ((MaxWatts - IdleWatts) * utilization);
    }
}
