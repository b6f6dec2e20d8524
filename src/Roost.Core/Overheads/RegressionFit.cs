namespace Roost.Core.Overheads;

/// <summary>
/// A fitted linear model y ≈ β₀ + Σ βⱼ xⱼ with the statistics stepwise selection tests. Index 0 of every array is
/// the intercept; index j ≥ 1 is predictor column j − 1.
/// </summary>
/// <param name="Coefficients">β, intercept first.</param>
/// <param name="StandardErrors">
/// Standard errors from the final weighted least-squares system: σ̂²·(XᵀWX)⁻¹ with σ̂² = Σ wᵢrᵢ² / (n_w − p), where
/// n_w counts samples of non-zero weight and p the coefficients.
/// </param>
/// <param name="PValues">Two-sided p-values of t = β / SE on n_w − p degrees of freedom (1 where undefined).</param>
/// <param name="Weights">The weight of each sample in the final fit (all 1 for least squares).</param>
/// <param name="Scale">The robust residual scale σ̂ = median|r| / 0.6745 of the last reweighting (0 for least squares).</param>
/// <param name="Iterations">Reweighting iterations run (0 for least squares).</param>
/// <param name="Converged">Whether the weights settled before the iteration cap (always true for least squares).</param>
internal sealed record RegressionFit(
    double[] Coefficients,
    double[] StandardErrors,
    double[] PValues,
    double[] Weights,
    double Scale,
    int Iterations,
    bool Converged)
{
    public int DegreesOfFreedom { get; init; }
}
