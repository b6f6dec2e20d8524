using BenchmarkDotNet.Attributes;
using Roost.Core.Balancing.Consolidation;
using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Workloads;

namespace Roost.Benchmarks.Consolidation;

/// <summary>
/// The per-step hot paths of the consolidation baselines: overload detection on one host's history, the power model,
/// and whole simulated days (288 steps of PABFD placement, overload relief and underload consolidation).
/// <c>dotnet run -c Release --project bench/Roost.Benchmarks -- --filter '*ConsolidationStep*'</c>
/// </summary>
[MemoryDiagnoser]
public class ConsolidationStepBenchmarks
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);
    private readonly double[] _history = new double[30];
    private Workload _day = null!;
    private ConsolidationPolicy _lr = null!;
    private ConsolidationPolicy _thr = null!;
    private LocalRegressionDetector _lrDetector = null!;
    private InterQuartileRangeDetector _iqrDetector = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (var i = 0; i < _history.Length; i++)
        {
            _history[i] = 0.3 + (0.5 * random.NextDouble());
        }

        _day = SyntheticWorkload.Generate(seed: 1);
        ConsolidationPolicy.TryParse("lr-mmt-1.2", _interval, out var lr, out _);
        ConsolidationPolicy.TryParse("thr-mmt-0.8", _interval, out var thr, out _);
        _lr = lr!;
        _thr = thr!;
        _lrDetector = new LocalRegressionDetector(1.2, _interval, robust: false, new StaticThresholdDetector(0.7));
        _iqrDetector = new InterQuartileRangeDetector(1.5, new StaticThresholdDetector(0.7));
    }

    [Benchmark]
    public bool LocalRegressionDetect() => _lrDetector.IsOverloaded(new HostLoad(_history, 0.8, 27.84));

    [Benchmark]
    public bool InterQuartileRangeDetect() => _iqrDetector.IsOverloaded(new HostLoad(_history, 0.8, 27.84));

    [Benchmark]
    public double SpecPower() => SpecPowerModel.HpProLiantMl110G5.PowerWatts(0.437);

    [Benchmark]
    public double SimulatedDayLrMmt() => DataCenterSimulator.Run(_day, DataCenterSetup.CloudSimPlanetLab(), _lr).EnergyKwh;

    [Benchmark]
    public double SimulatedDayThrMmt() => DataCenterSimulator.Run(_day, DataCenterSetup.CloudSimPlanetLab(), _thr).EnergyKwh;
}
