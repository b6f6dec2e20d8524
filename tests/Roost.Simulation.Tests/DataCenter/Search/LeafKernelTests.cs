using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.Tests.DataCenter.Search;

/// <summary>The leaf kernel on its own: its two implementations agree bit for bit, and each offers what it must.</summary>
public sealed class LeafKernelTests
{
    private static readonly SpecPowerTable _g4 = new(SpecPowerModel.HpProLiantMl110G4.WattsAtTenths);
    private static readonly SpecPowerTable _g5 = new(SpecPowerModel.HpProLiantMl110G5.WattsAtTenths);

    [RequiresAvx512Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void VectorKernel_OffersWhatTheScalarKernelOffers_BitForBit(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 300; trial++)
        {
            var run = RandomRun(random, count: 8 * random.Next(1, 33));
            var query = RandomQuery(random);
            var (min, best) = (random.Next(3) == 0 ? double.MaxValue : 5 * random.NextDouble(), random.Next(-1, 300));

            var acceptance = (Acceptance)random.Next(3);
            var scalar = new RecordingOffer(min, best, acceptance);
            var vector = new RecordingOffer(min, best, acceptance);
            LeafKernel.ScanScalar(run.Columns, query, new double[LeafKernel.ChunkLeaves], ref scalar);
            LeafKernel.ScanVector(run.Columns, query, new double[LeafKernel.ChunkLeaves], ref vector);

            Assert.Equal(scalar.Offered, vector.Offered);
        }
    }

    [Theory]
    [InlineData(5)]
    [InlineData(6)]
    public void Kernel_PowerDifferences_AreSpecPowerTableWattsLessStalePower_BitForBit(int seed)
    {
        var random = new Random(seed);
        var run = RandomRun(random, count: 200, everyLeafFits: true);
        var query = new LeafQuery(random.NextDouble() * 1000, 5320, _g5, ScreenKind.None, 0, 0);

        var offer = new RecordingOffer(double.MaxValue, -1, Acceptance.Never);
        LeafKernel.Scan(run.Columns, query, new double[LeafKernel.ChunkLeaves], ref offer);

        Assert.Equal(200, offer.Offered.Count);
        Assert.All(offer.Offered, o =>
        {
            var after = (run.Allocated[o.Leaf] + query.Requested) / query.TotalMips;
            Assert.Equal(_g5.Watts(after) - run.Stale[o.Leaf], o.PowerDiff);
        });
    }

    [Fact]
    public void ScalarKernel_OffersOnlyLeavesThatPassEveryCheapTest()
    {
        // Leaf 0 beats the best; 1 would too but lacks capacity; 2 would pass 100 %; 3 would beat the best but is
        // screened out (THR 0.8: (2600 + 500) / 3720 > 0.8); 4 ties the best with a lower host number (14 < 15);
        // 5 ties it with a higher one; 6 is worse.
        var requested = 500.0;
        double[] allocated = [1000, 1000, 3500, 1000, 2000, 2000, 2000];
        double[] stale = [95, 95, 90, 95, 100, 100, 99];
        float[] available = [3000, 499, 3000, 3000, 3000, 3000, 3000];
        float[] keys = [1000, 1000, 1000, 2600, 0, 0, 0];
        float[] hosts = [10, 11, 12, 13, 14, 16, 17];
        var tie = _g4.Watts(2500 / 3720.0) - 100;
        var query = new LeafQuery(requested, 3720, _g4, ScreenKind.Threshold, 0.8, 0);
        var offer = new RecordingOffer(minPowerDiff: tie, bestHost: 15, Acceptance.Never);

        LeafKernel.ScanScalar(new LeafColumns(allocated, stale, available, keys, hosts), query, new double[LeafKernel.ChunkLeaves], ref offer);

        Assert.Equal([0, 4], offer.Offered.Select(o => o.Leaf));
    }

    [Fact]
    public void Scan_OffersEachChunkAgainstTheBestAsTheChunkBegan_AndLaterChunksAgainstTheImprovedBest()
    {
        // 128 equal leaves: the first chunk's 64 all tie the starting best and all are offered; the offer takes the
        // first as the new best (a lower power), so nothing in the second chunk can beat it.
        var count = 128;
        var allocated = Enumerable.Repeat(1000.0, count).ToArray();
        var stale = Enumerable.Repeat(90.0, count).ToArray();
        var run = new LeafColumns(allocated, stale, Enumerable.Repeat(3000f, count).ToArray(), new float[count], Enumerable.Range(0, count).Select(i => (float)i).ToArray());
        var query = new LeafQuery(100, 3720, _g4, ScreenKind.None, 0, 0);
        var offer = new RecordingOffer(double.MaxValue, -1, Acceptance.Lower);

        LeafKernel.Scan(run, query, new double[LeafKernel.ChunkLeaves], ref offer);

        Assert.Equal(Enumerable.Range(0, 64), offer.Offered.Select(o => o.Leaf));
        Assert.Equal(0, offer.BestHost);
    }

    private static LeafQuery RandomQuery(Random random)
    {
        var (table, total) = random.Next(2) == 0 ? (_g4, 3720.0) : (_g5, 5320.0);
        var screen = (ScreenKind)random.Next(3);
        return new LeafQuery(random.NextDouble() * 2660, total, table, screen, 0.5 + (0.5 * random.NextDouble()), random.NextDouble() * 1.2);
    }

    private static Run RandomRun(Random random, int count, bool everyLeafFits = false)
    {
        var allocated = new double[count];
        var stale = new double[count];
        var available = new float[count];
        var keys = new float[count];
        var hosts = new float[count];
        for (var i = 0; i < count; i++)
        {
            // Allocations in a few tenths so that ties and flat pieces are common, as in the trees.
            allocated[i] = everyLeafFits ? random.NextDouble() * 2000 : Math.Round(random.NextDouble() * 40) * 133;
            stale[i] = 86 + (30 * random.NextDouble());
            available[i] = everyLeafFits ? float.MaxValue : random.Next(5) == 0 ? float.NegativeInfinity : (float)(random.NextDouble() * 5320);
            keys[i] = random.Next(4) == 0 ? float.NegativeInfinity : (float)(random.NextDouble() * (random.Next(2) == 0 ? 1.2 : 5000));
            hosts[i] = random.Next(10) == 0 ? float.MaxValue : random.Next(400);
        }

        return new Run(allocated, stale, available, keys, hosts);
    }

    private sealed record Run(double[] Allocated, double[] Stale, float[] Available, float[] Keys, float[] Hosts)
    {
        public LeafColumns Columns => new(Allocated, Stale, Available, Keys, Hosts);
    }

    private enum Acceptance
    {
        Never,
        Lower,
        Everything,
    }

    /// <summary>
    /// Records every offer and, as the search's exact test would, may take an offered leaf as the new best (its index
    /// standing for its host number): never, when it lowers the least power increase, or always.
    /// </summary>
    private struct RecordingOffer(double minPowerDiff, double bestHost, Acceptance acceptance) : ILeafOffer
    {
        public List<(int Leaf, double PowerDiff)> Offered { get; } = [];

        public double MinPowerDiff { get; private set; } = minPowerDiff;

        public double BestHost { get; private set; } = bestHost;

        public void Offer(int leaf, double powerDiff)
        {
            Offered.Add((leaf, powerDiff));
            if (acceptance == Acceptance.Everything || (acceptance == Acceptance.Lower && powerDiff < MinPowerDiff))
            {
                MinPowerDiff = powerDiff;
                BestHost = leaf;
            }
        }
    }
}
