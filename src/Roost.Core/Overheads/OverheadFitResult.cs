namespace Roost.Core.Overheads;

/// <summary>The outcome of fitting a model to benchmark samples. Closed set: match on it.</summary>
public abstract record OverheadFitResult
{
    private OverheadFitResult()
    {
    }

    public sealed record Fitted(OverheadModel Model) : OverheadFitResult;

    /// <summary>No model could be fitted; <see cref="Reason"/> is one line saying why (too few samples, no usable metric).</summary>
    public sealed record Failed(string Reason) : OverheadFitResult;
}
