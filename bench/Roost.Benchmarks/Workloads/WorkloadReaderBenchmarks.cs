using BenchmarkDotNet.Attributes;
using Roost.Simulation.Workloads;

namespace Roost.Benchmarks.Workloads;

/// <summary>
/// Reading the real traces in ../shared/traces (a PlanetLab day, the Bitbrains July day-1 slice) and generating the
/// 40,000-VM synthetic day of the scale acceptance. Needs ../shared next to the repository root.
/// </summary>
[MemoryDiagnoser]
public class WorkloadReaderBenchmarks
{
    private string _planetLab = "";
    private string _bitbrains = "";

    [GlobalSetup]
    public void Setup()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Roost.slnx")))
        {
            root = root.Parent;
        }

        var traces = Path.Combine(root?.FullName ?? ".", "..", "shared", "traces");
        _planetLab = Path.Combine(traces, "planetlab", "20110303");
        _bitbrains = Path.Combine(traces, "bitbrains-rnd", "2013-7-day1");
    }

    [Benchmark]
    public int PlanetLabDay() => PlanetLabReader.Read(_planetLab).Vms.Count;

    [Benchmark]
    public int BitbrainsDay1() => BitbrainsReader.Read(_bitbrains).Vms.Count;

    [Benchmark]
    public int Synthetic40000Vms() => SyntheticWorkload.Generate(1, 40_000).Vms.Count;
}
