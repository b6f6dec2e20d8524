using BenchmarkDotNet.Attributes;
using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Benchmarks;

/// <summary>
/// The host search's leaf kernel on its own: one LR query over 4,096 leaves of G5 hosts whose allocations cluster in
/// a few tenths (as the flat nodes of the search trees do), with the AVX-512 kernel or its scalar twin. Both offer
/// the same leaves; the offers are only counted.
/// </summary>
[MemoryDiagnoser]
public class LeafKernelBenchmarks
{
    private const int Leaves = 4096;
    private readonly double[] _scratch = new double[LeafKernel.ChunkLeaves];
    private double[] _allocated = [];
    private double[] _stale = [];
    private float[] _available = [];
    private float[] _keys = [];
    private float[] _hosts = [];
    private LeafQuery _query;

    [Params(false, true)]
    public bool Vector { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        var table = new SpecPowerTable(SpecPowerModel.HpProLiantMl110G5.WattsAtTenths);
        _allocated = [.. Enumerable.Range(0, Leaves).Select(_ => 5320 * (0.1 + (0.2 * random.NextDouble())))];
        _stale = [.. _allocated.Select(a => table.Watts(a / 5320))];
        _available = [.. _allocated.Select(a => (float)(5320 - a))];
        _keys = [.. Enumerable.Range(0, Leaves).Select(_ => (float)random.NextDouble())];
        _hosts = [.. Enumerable.Range(0, Leaves).Select(i => (float)i)];
        _query = new LeafQuery(500, 5320, table, ScreenKind.Regression, 0, 0.75);
        if (Vector && !LeafKernel.IsVectorized)
        {
            throw new InvalidOperationException("this processor has no AVX-512: the vector kernel cannot run");
        }
    }

    [Benchmark]
    public int Scan()
    {
        var leaves = new LeafColumns(_allocated, _stale, _available, _keys, _hosts);
        var offers = new Counter(minPowerDiff: 4.0);
        if (Vector)
        {
            LeafKernel.ScanVector(leaves, _query, _scratch, ref offers);
        }
        else
        {
            LeafKernel.ScanScalar(leaves, _query, _scratch, ref offers);
        }

        return offers.Count;
    }

    private struct Counter(double minPowerDiff) : ILeafOffer
    {
        public int Count { get; private set; }

        public readonly double MinPowerDiff => minPowerDiff;

        public readonly double BestHost => -1;

        public void Offer(int leaf, double powerDiff) => Count++;
    }
}
