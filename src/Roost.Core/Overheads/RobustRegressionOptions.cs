using System.Globalization;

namespace Roost.Core.Overheads;

/// <summary>
/// Iteratively reweighted least squares with Tukey's bisquare weight (Holland &amp; Welsch 1977), as MOVE fits its
/// models. Defaults are the textbook ones (and MATLAB <c>robustfit</c>'s): 95 % efficiency under normal errors.
/// </summary>
/// <param name="TuningConstant">
/// c in w(u) = (1 − u²)² for |u| &lt; 1, else 0, with u = r / (c·σ̂). Default 4.685; range (0, 100].
/// </param>
/// <param name="ConvergenceTolerance">
/// Iteration stops once no sample's weight changes by more than this from one iteration to the next (weights lie in
/// [0, 1], so the test does not depend on the metrics' units). Default 1e-6; range (0, 0.1].
/// </param>
/// <param name="MaxIterations">Cap on reweighting iterations; a fit that reaches it is reported as not converged. Default 50; range 1–10,000.</param>
public sealed record RobustRegressionOptions(
    double TuningConstant = RobustRegressionOptions.DefaultTuningConstant,
    double ConvergenceTolerance = 1e-6,
    int MaxIterations = 50)
{
    public const double DefaultTuningConstant = 4.685;

    public static RobustRegressionOptions Default { get; } = new();

    /// <summary>Null when every field is in range, else one line naming the field.</summary>
    public string? Validate() =>
        !(TuningConstant > 0 && TuningConstant <= 100) ? Invalid("tuningConstant", TuningConstant, "(0, 100]")
        : !(ConvergenceTolerance > 0 && ConvergenceTolerance <= 0.1) ? Invalid("convergenceTolerance", ConvergenceTolerance, "(0, 0.1]")
        : MaxIterations is < 1 or > 10_000 ? Invalid("maxIterations", MaxIterations, "1–10000")
        : null;

    internal static string Invalid(string field, double value, string range) =>
        string.Create(CultureInfo.InvariantCulture, $"{field} {value} is outside {range}");
}
