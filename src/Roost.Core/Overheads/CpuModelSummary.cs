namespace Roost.Core.Overheads;

/// <summary>How one <see cref="CpuModel"/> was fitted, for the model file and for judging it.</summary>
/// <param name="Samples">Training samples the final fit used (after refinement).</param>
/// <param name="Benchmarks">Benchmarks the final fit used.</param>
/// <param name="DroppedBenchmarks">Benchmarks refinement dropped, in name order.</param>
/// <param name="Iterations">IRLS iterations of the final fit (0 for least squares).</param>
/// <param name="Converged">Whether the final fit's weights settled before the cap.</param>
/// <param name="Scale">Robust residual scale σ̂ of the final fit, CPU percent (0 for least squares).</param>
/// <param name="StepwiseSteps">Metrics added plus removed by the final stepwise selection.</param>
/// <param name="RmsePct">Root mean squared error over the samples used, CPU percent.</param>
/// <param name="MedianAbsErrorPct">Median absolute error over the samples used, CPU percent.</param>
public sealed record CpuModelSummary(
    int Samples,
    int Benchmarks,
    IReadOnlyList<string> DroppedBenchmarks,
    int Iterations,
    bool Converged,
    double Scale,
    int StepwiseSteps,
    double RmsePct,
    double MedianAbsErrorPct);
