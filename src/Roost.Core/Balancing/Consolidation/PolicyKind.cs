namespace Roost.Core.Balancing.Consolidation;

/// <summary>How a baseline manages a data center.</summary>
public enum PolicyKind
{
    /// <summary>Non power aware: every host draws full power all the time; no migrations.</summary>
    NonPowerAware,

    /// <summary>Power scales with utilisation (and idle hosts draw nothing); first-fit placement; no migrations.</summary>
    Dvfs,

    /// <summary>Power-aware best-fit decreasing placement plus overload relief and underload consolidation.</summary>
    DynamicConsolidation,
}
