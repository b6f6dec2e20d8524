namespace Roost.Simulation.DataCenter;

/// <summary>Which detector the overload screen reproduces, if any (the overload screen: a cheap certainty that a host would be overloaded).</summary>
internal enum ScreenKind
{
    None,

    /// <summary>THR: a host's key is its requested MIPS.</summary>
    Threshold,

    /// <summary>LR (non-robust): a host's key is its forecast utilisation, with a certified full window.</summary>
    Regression,
}

/// <summary>
/// The overload screen's test on a host's key, as the host search applies it: a host whose key reaches a VM's limit
/// is surely overloaded with the VM, so PABFD would reject it and the search may skip it. THR: the test
/// (key + r) / T &gt; threshold is the detector's own, operation for operation. LR: the limit is
/// (1 + slack) / safety − the VM's forecast on the host, where <see cref="Slack"/> absorbs the rounding that
/// separates the sum of two forecasts from the forecast of the sum.
/// </summary>
internal sealed record ScreenRule(ScreenKind Kind, double Threshold, double Safety)
{
    /// <summary>The regression forecast is a sum of ten products of numbers below a few units: its rounding is below 1e-13.</summary>
    public const double Slack = 1e-9;

    public static ScreenRule None { get; } = new(ScreenKind.None, 0, 1);

    /// <summary>LR: the limit for a VM whose forecast times its MIPS is <paramref name="forecastMips"/>, on a host of <paramref name="totalMips"/>.</summary>
    public double Limit(double forecastMips, double totalMips) =>
        Kind == ScreenKind.Regression ? ((1 + Slack) / Safety) - (forecastMips / totalMips) : 0;

    /// <summary>Whether a host (or every host of a group) with this least key is surely overloaded with the VM.</summary>
    public bool ScreensOut(double key, double requested, double totalMips, double limit) =>
        Kind == ScreenKind.Threshold ? (key + requested) / totalMips > Threshold : Kind == ScreenKind.Regression && key >= limit;

    /// <summary>
    /// LR: whether a host with this key (−∞: no certified forecast), plus <paramref name="added"/> for a VM, stays below
    /// the threshold by the slack, so that LR surely finds it not overloaded.
    /// </summary>
    public bool SurelyBelowThreshold(double key, double added) =>
        !double.IsNegativeInfinity(key) && key + added < (1 - Slack) / Safety;
}
