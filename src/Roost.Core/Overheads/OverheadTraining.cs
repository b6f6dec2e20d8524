namespace Roost.Core.Overheads;

/// <summary>The training set a model came from: its size, its benchmarks (name order) and the metrics offered to selection.</summary>
public sealed record OverheadTraining(int Samples, IReadOnlyList<string> Benchmarks, IReadOnlyList<NativeMetric> CandidateMetrics);
