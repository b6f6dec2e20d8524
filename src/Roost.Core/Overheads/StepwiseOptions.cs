namespace Roost.Core.Overheads;

/// <summary>
/// Stepwise selection by significance (MOVE's "stepwise" half). A metric enters when its coefficient's p-value in
/// the model with it is below <see cref="EnterPValue"/>, and leaves when its p-value in the current model rises above
/// <see cref="RemovePValue"/>. Defaults 0.05 and 0.10 are MATLAB <c>stepwisefit</c>'s; remove must exceed enter so
/// that a metric just entered cannot leave at once and the procedure cannot cycle on one metric.
/// </summary>
/// <param name="EnterPValue">Range (0, 1). Default 0.05.</param>
/// <param name="RemovePValue">Range (EnterPValue, 1]. Default 0.10.</param>
/// <param name="MaxSteps">Cap on additions plus removals. Default 100; range 1–10,000.</param>
public sealed record StepwiseOptions(double EnterPValue = 0.05, double RemovePValue = 0.10, int MaxSteps = 100)
{
    public static StepwiseOptions Default { get; } = new();

    /// <summary>Null when every field is in range, else one line naming the field.</summary>
    public string? Validate() =>
        !(EnterPValue > 0 && EnterPValue < 1) ? RobustRegressionOptions.Invalid("enterPValue", EnterPValue, "(0, 1)")
        : !(RemovePValue > EnterPValue && RemovePValue <= 1) ? RobustRegressionOptions.Invalid("removePValue", RemovePValue, $"(enterPValue, 1]")
        : MaxSteps is < 1 or > 10_000 ? RobustRegressionOptions.Invalid("maxSteps", MaxSteps, "1–10000")
        : null;
}
