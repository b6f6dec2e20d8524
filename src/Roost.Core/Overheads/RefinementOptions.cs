namespace Roost.Core.Overheads;

/// <summary>
/// MOVE's model refinement: after the first fit, a benchmark whose samples the model fits far worse than the others
/// (a run disturbed by background activity, a broken measurement) is dropped and the model fitted again.
/// </summary>
/// <remarks>
/// The paper gives the principle (compare each benchmark's mean squared error under the initial model with the rest,
/// drop the outliers, re-run the regression); the threshold is ours: a benchmark is an outlier when its MSE exceeds the
/// mean of the benchmarks' MSEs by more than <see cref="OutlierStandardDeviations"/> sample standard deviations. With
/// one bad benchmark among n others fitted perfectly, the mean is X/n and the standard deviation X/√n, so the bad one is
/// flagged only when 1 + k·√n &lt; n: at least 6 benchmarks for k = 2.
/// </remarks>
/// <param name="Rounds">How many times to drop outliers and re-fit: 0 turns refinement off. Default 1 (as the paper); range 0–10.</param>
/// <param name="OutlierStandardDeviations">k above. Default 2; range (0, 100].</param>
public sealed record RefinementOptions(int Rounds = 1, double OutlierStandardDeviations = 2)
{
    public static RefinementOptions Default { get; } = new();

    /// <summary>Null when every field is in range, else one line naming the field.</summary>
    public string? Validate() =>
        Rounds is < 0 or > 10 ? RobustRegressionOptions.Invalid("refinementRounds", Rounds, "0–10")
        : !(OutlierStandardDeviations > 0 && OutlierStandardDeviations <= 100) ? RobustRegressionOptions.Invalid("outlierStandardDeviations", OutlierStandardDeviations, "(0, 100]")
        : null;
}
