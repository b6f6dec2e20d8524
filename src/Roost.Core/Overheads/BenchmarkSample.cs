namespace Roost.Core.Overheads;

/// <summary>
/// One training sample: a benchmark's native usage in one interval and the CPU the same load cost virtualized in
/// the matching interval (MOVE pairs the native and the virtual run of a benchmark sample by sample).
/// </summary>
/// <param name="Benchmark">The benchmark the sample comes from; refinement drops whole benchmarks.</param>
/// <param name="Native">The native usage in the interval.</param>
/// <param name="Virtual">The measured virtual CPU in the matching interval.</param>
public sealed record BenchmarkSample(string Benchmark, NativeUsage Native, VirtualCpu Virtual);
