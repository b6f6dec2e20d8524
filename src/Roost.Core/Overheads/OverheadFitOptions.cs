namespace Roost.Core.Overheads;

/// <summary>Everything that shapes a fit, checked in one place (<see cref="Validate"/>) and saved with the model.</summary>
public sealed record OverheadFitOptions(
    FitMethod Method,
    RobustRegressionOptions Robust,
    StepwiseOptions Stepwise,
    RefinementOptions Refinement)
{
    public static OverheadFitOptions Default { get; } =
        new(FitMethod.RobustStepwise, RobustRegressionOptions.Default, StepwiseOptions.Default, RefinementOptions.Default);

    /// <summary>The method's name in files and on the command line.</summary>
    public static string MethodName(FitMethod method) => method switch
    {
        FitMethod.RobustStepwise => "robust-stepwise",
        FitMethod.LeastSquares => "least-squares",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    public static bool TryParseMethod(string? name, out FitMethod method)
    {
        method = name == "least-squares" ? FitMethod.LeastSquares : FitMethod.RobustStepwise;
        return name is "robust-stepwise" or "least-squares";
    }

    /// <summary>Null when every field is in range, else one line naming the field.</summary>
    public string? Validate()
    {
        ArgumentNullException.ThrowIfNull(Robust);
        ArgumentNullException.ThrowIfNull(Stepwise);
        ArgumentNullException.ThrowIfNull(Refinement);
        return !Enum.IsDefined(Method) ? $"method {(int)Method} is not a fit method"
            : Robust.Validate() ?? Stepwise.Validate() ?? Refinement.Validate();
    }
}
