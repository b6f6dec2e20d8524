namespace Roost.Core.Overheads;

/// <summary>One selected metric of a <see cref="CpuModel"/>: its coefficient (CPU percent per metric unit) and its statistics in the final fit.</summary>
public sealed record ModelTerm(NativeMetric Metric, double Coefficient, double StandardError, double PValue);
