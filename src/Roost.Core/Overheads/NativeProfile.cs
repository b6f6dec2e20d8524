namespace Roost.Core.Overheads;

/// <summary>
/// An application's native usage trace: one <see cref="NativeUsage"/> per time, times strictly increasing, and the
/// metrics the source actually reported (<see cref="Columns"/>; the others are 0 in every sample).
/// </summary>
public sealed record NativeProfile(IReadOnlyList<double> TimesSeconds, IReadOnlyList<NativeUsage> Samples, IReadOnlyList<NativeMetric> Columns);
