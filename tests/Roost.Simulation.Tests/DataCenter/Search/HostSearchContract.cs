using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.Tests.DataCenter.Search;

/// <summary>
/// What every <see cref="IHostSearch"/> must do, without a data center: over random hosts of CloudSim's two types,
/// through random updates, exclusions and queries, the host a search's offers lead the judge to is the one a scan of
/// every candidate gives, bit for bit; excluded hosts and non-candidates are never offered.
/// </summary>
public abstract class HostSearchContract
{
    private static readonly (SpecPowerTable Power, double TotalMips, double PeMips)[] _types =
    [
        (new SpecPowerTable(SpecPowerModel.HpProLiantMl110G4.WattsAtTenths), 3720, 1860),
        (new SpecPowerTable(SpecPowerModel.HpProLiantMl110G5.WattsAtTenths), 5320, 2660),
    ];

    private protected abstract IHostSearch Create(int hostCount, IReadOnlyList<(SpecPowerTable Power, double TotalMips, double PeMips)> types, ScreenRule screen);

    [Theory]
    [InlineData(1, "none")]
    [InlineData(2, "thr")]
    [InlineData(3, "lr")]
    [InlineData(4, "lr")]
    [InlineData(5, "thr")]
    [InlineData(6, "none")]
    public void Search_LeadsToTheHostAScanOfEveryCandidateChooses(int seed, string screenKind)
    {
        var random = new Random(seed);
        var hostCount = random.Next(2, 400);
        var screen = screenKind switch
        {
            "thr" => new ScreenRule(ScreenKind.Threshold, 0.8, 1),
            "lr" => new ScreenRule(ScreenKind.Regression, 0, 1.2),
            _ => ScreenRule.None,
        };
        var world = new World(hostCount, screen, random);
        var search = Create(hostCount, _types, screen);
        search.Reset();
        for (var h = 0; h < hostCount; h++)
        {
            search.Update(h, world.Hosts[h]);
        }

        search.Build();
        var searches = 0;
        for (var step = 0; step < 3000; step++)
        {
            switch (random.Next(10))
            {
                case < 5:
                    var h = random.Next(hostCount);
                    world.Hosts[h] = world.RandomHost(h);
                    search.Update(h, world.Hosts[h]);
                    break;
                case 5:
                    var excluded = random.Next(hostCount);
                    world.Excluded.Add(excluded);
                    search.Exclude(excluded);
                    break;
                case 6 when random.Next(4) == 0:
                    world.Excluded.Clear();
                    search.ClearExclusions();
                    break;
                default:
                    var query = world.RandomQuery();
                    var expected = world.Scan(query);
                    search.Search(query);
                    searches++;

                    Assert.True(
                        (expected.Best, expected.MinPowerDiff) == (query.Best, query.MinPowerDiff),
                        $"seed {seed}, step {step}: the scan chooses host {expected.Best} ({expected.MinPowerDiff} W), the search {query.Best} ({query.MinPowerDiff} W)");
                    Assert.DoesNotContain(world.Offered, o => world.Excluded.Contains(o) || !world.Hosts[o].Candidate);
                    break;
            }
        }

        Assert.True(searches > 500, $"seed {seed}: only {searches} searches");
    }

    /// <summary>Random hosts and queries, and the exact comparison every search defers to (the planner's, simplified).</summary>
    private sealed class World : IHostJudge
    {
        private readonly ScreenRule _screen;
        private readonly Random _random;

        public World(int hostCount, ScreenRule screen, Random random)
        {
            _screen = screen;
            _random = random;
            Hosts = new SearchHost[hostCount];
            for (var h = 0; h < hostCount; h++)
            {
                Hosts[h] = RandomHost(h);
            }
        }

        public SearchHost[] Hosts { get; }

        public HashSet<int> Excluded { get; } = [];

        public List<int> Offered { get; } = [];

        private static (SpecPowerTable Power, double TotalMips, double PeMips) TypeOf(int host) => _types[host % _types.Length];

        /// <summary>
        /// Allocations in whole multiples of a tenth's share so that ties and flat pieces are common; most hosts
        /// without an offset (stale power = power at their allocation), some with one.
        /// </summary>
        public SearchHost RandomHost(int host)
        {
            var (power, total, _) = TypeOf(host);
            var allocated = _random.Next(4) == 0 ? 0 : Math.Round(_random.NextDouble() * 20) * total / 20;
            var stale = _random.Next(3) == 0 ? power.Watts(_random.NextDouble()) : power.Watts(allocated / total);
            var key = allocated == 0 ? double.NegativeInfinity : _screen.Kind switch
            {
                ScreenKind.Threshold => allocated * (0.5 + _random.NextDouble()),
                ScreenKind.Regression => _random.Next(5) == 0 ? double.NegativeInfinity : _random.NextDouble() * 1.1,
                _ => double.NegativeInfinity,
            };
            return new SearchHost(_random.Next(6) != 0, allocated, stale, total - allocated, _random.Next(4096), 1000 * _random.NextDouble(), key);
        }

        public HostQuery RandomQuery()
        {
            var query = new HostQuery(this);
            var instantiating = _random.Next(3) == 0;
            query.Start(vm: 0, _random.NextDouble() * 2660, cores: 1, instantiating, _random.Next(2048), 100, _random.NextDouble() * 1500);
            Offered.Clear();
            return query;
        }

        /// <summary>The answer of a scan of every candidate not excluded, in host order.</summary>
        public HostQuery Scan(HostQuery asked)
        {
            var scan = new HostQuery(new Unrecorded(this));
            scan.Start(asked.Vm, asked.Requested, asked.Cores, asked.Instantiating, asked.RamMiB, asked.BandwidthMbps, asked.ScreenForecastMips);
            for (var h = 0; h < Hosts.Length; h++)
            {
                if (Hosts[h].Candidate && !Excluded.Contains(h))
                {
                    Decide(h, scan);
                }
            }

            return scan;
        }

        public void Consider(int host, HostQuery query)
        {
            Offered.Add(host);
            Decide(host, query);
        }

        /// <summary>PABFD's test of one host, with the screen standing for the detector (the screen is exact for it).</summary>
        private void Decide(int host, HostQuery query)
        {
            var (power, total, pe) = TypeOf(host);
            var state = Hosts[host];
            if (pe < query.Requested / query.Cores || state.Available < query.Requested
                || (query.Instantiating && (state.RamFree < query.RamMiB || state.BandwidthFree < query.BandwidthMbps)))
            {
                return;
            }

            var after = (state.Allocated + query.Requested) / total;
            if (after > 1)
            {
                return;
            }

            var powerDiff = power.Watts(after) - state.StalePower;
            var overloaded = state.Allocated != 0
                && _screen.ScreensOut(state.ScreenKey, query.Requested, total, _screen.Limit(query.ScreenForecastMips, total));
            if ((powerDiff < query.MinPowerDiff || (powerDiff == query.MinPowerDiff && host < query.Best)) && !overloaded)
            {
                query.Choose(host, powerDiff);
            }
        }

        private sealed class Unrecorded(World world) : IHostJudge
        {
            public void Consider(int host, HostQuery query) => world.Decide(host, query);
        }
    }
}
