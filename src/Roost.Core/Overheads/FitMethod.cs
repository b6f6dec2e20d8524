namespace Roost.Core.Overheads;

/// <summary>How <see cref="OverheadModelFitter"/> builds each model.</summary>
public enum FitMethod
{
    /// <summary>MOVE's method: robust (bisquare IRLS) stepwise regression, then refinement.</summary>
    RobustStepwise,

    /// <summary>The baseline: ordinary least squares on every usable candidate metric, no weights, no refinement.</summary>
    LeastSquares,
}
