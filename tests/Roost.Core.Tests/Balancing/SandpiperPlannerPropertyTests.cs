using Roost.Core.Balancing;
using Roost.Core.Model;
using static Roost.Core.Tests.Balancing.PlannerFixtures;

namespace Roost.Core.Tests.Balancing;

public sealed class SandpiperPlannerPropertyTests
{
    private const double Tolerance = 1e-6;

    private readonly SandpiperPlanner _planner = new();

    public static TheoryData<int> Seeds => [1, 2, 3, 4, 5, 6, 7, 8];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_RandomCluster_NoActionOvercommitsItsTargetByProfile(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 50; trial++)
        {
            var input = RandomInput(random, Now);
            var capacity = input.Hosts.ToDictionary(h => h.Id, h => h.Capacity);
            var limit = input.Hosts.ToDictionary(h => h.Id, h => h.Capacity * _planner.Options.Ceiling);
            var footprint = input.Vms.ToDictionary(v => v.Vm.Id, SandpiperPlanner.Footprint);
            var hostOf = input.Vms.ToDictionary(v => v.Vm.Id, v => v.Vm.Host);
            var load = input.Hosts.ToDictionary(h => h.Id, _ => ResourceVector.Zero);
            foreach (var vm in input.Vms)
            {
                load[vm.Vm.Host] += footprint[vm.Vm.Id];
            }

            var plan = _planner.Plan(input);

            foreach (var action in plan.Actions)
            {
                var where = $"seed {seed}, trial {trial}: {action}";
                switch (action)
                {
                    case SandpiperAction.Resize resize:
                        Assert.True(Fits(load[resize.Host], limit[resize.Host]), $"{where}: host at {load[resize.Host]}");
                        break;
                    case SandpiperAction.Migrate migrate:
                        Move(migrate);
                        Assert.True(Fits(load[migrate.To], limit[migrate.To]), $"{where}: target at {load[migrate.To]}");
                        break;
                    case SandpiperAction.Swap swap:
                        foreach (var part in swap.Migrations)
                        {
                            Move(part);
                        }

                        var hotTarget = swap.Migrations[0].To;
                        Assert.True(Fits(load[hotTarget], limit[hotTarget]), $"{where}: target at {load[hotTarget]}");
                        Assert.All(swap.Migrations, m => Assert.True(Fits(load[m.To], capacity[m.To]), $"{where}: {m.To} overcommitted"));
                        break;
                    default:
                        Assert.Fail($"{where}: unknown action");
                        break;
                }
            }

            void Move(SandpiperAction.Migrate migrate)
            {
                Assert.Equal(hostOf[migrate.Vm], migrate.From);
                load[migrate.From] -= footprint[migrate.Vm];
                load[migrate.To] += footprint[migrate.Vm];
                hostOf[migrate.Vm] = migrate.To;
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_RandomCluster_NoVmMovesWithinItsCoolDownOrTwiceInOnePlan(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 50; trial++)
        {
            var input = RandomInput(random, Now);
            var lastMoved = input.Vms.ToDictionary(v => v.Vm.Id, v => v.Vm.LastMovedAt);

            var moved = Moves(_planner.Plan(input)).ToList();

            Assert.True(moved.Count == moved.Distinct().Count(), $"seed {seed}, trial {trial}: a VM moves twice in one plan");
            Assert.All(moved, vm => Assert.True(
                lastMoved[vm] is not { } last || Now - last >= _planner.Options.CoolDown,
                $"seed {seed}, trial {trial}: {vm} moved {Now - lastMoved[vm]} after its last move"));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_RepeatedSteps_NoVmMovesTwiceWithinItsCoolDown(int seed)
    {
        var random = new Random(seed);
        var input = RandomInput(random, TimeSpan.Zero, coolDownHistory: false);
        var vms = input.Vms.Select(v => v.Vm).ToDictionary(v => v.Id);
        var history = new Dictionary<VmId, List<TimeSpan>>();

        for (var step = 0; step < 40; step++)
        {
            var now = TimeSpan.FromSeconds(5 * step);
            var assessed = vms.Values.OrderBy(v => v.Id.Value)
                .Select(v => new VmAssessment(v, RandomNeed(random, v.Allocation)))
                .ToList();
            var hot = input.Hosts.Where(_ => random.NextDouble() < 0.3).Select(h => h.Id).ToHashSet();

            foreach (var action in _planner.Plan(new SandpiperInput(now, input.Hosts, assessed, hot)).Actions)
            {
                foreach (var migrate in Migrations(action))
                {
                    vms[migrate.Vm] = vms[migrate.Vm] with { Host = migrate.To, Allocation = migrate.Allocation, LastMovedAt = now };
                    if (!history.TryGetValue(migrate.Vm, out var times))
                    {
                        history[migrate.Vm] = times = [];
                    }

                    times.Add(now);
                }
            }
        }

        Assert.NotEmpty(history);
        foreach (var (vm, times) in history)
        {
            for (var i = 1; i < times.Count; i++)
            {
                Assert.True(times[i] - times[i - 1] >= _planner.Options.CoolDown, $"seed {seed}: {vm} moved at {times[i - 1]} and {times[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Plan_IdenticalOrShuffledInputs_GiveIdenticalPlans(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 30; trial++)
        {
            var input = RandomInput(random, Now);
            var shuffled = input with
            {
                Hosts = [.. input.Hosts.OrderBy(_ => random.Next())],
                Vms = [.. input.Vms.OrderBy(_ => random.Next())],
                HotHosts = input.HotHosts.OrderByDescending(h => h.Value).ToHashSet(),
            };

            var first = Describe(_planner.Plan(input));
            var again = Describe(new SandpiperPlanner().Plan(input));
            var reordered = Describe(_planner.Plan(shuffled));

            Assert.True(first == again, $"seed {seed}, trial {trial}: same input, different plans");
            Assert.True(first == reordered, $"seed {seed}, trial {trial}: reordered input, different plans");
        }
    }

    [Fact]
    public void RandomInputs_ExerciseEveryKindOfAction()
    {
        var random = new Random(1);
        var kinds = new HashSet<string>();

        for (var trial = 0; trial < 300; trial++)
        {
            foreach (var action in _planner.Plan(RandomInput(random, Now)).Actions)
            {
                kinds.Add(action.GetType().Name);
            }
        }

        Assert.Equal(["Migrate", "Resize", "Swap"], kinds.Order());
    }

    private static bool Fits(ResourceVector load, ResourceVector limit) => load.FitsWithin(limit + (limit * Tolerance));

    private static IEnumerable<VmId> Moves(SandpiperPlan plan) => plan.Actions.SelectMany(Migrations).Select(m => m.Vm);

    private static IEnumerable<SandpiperAction.Migrate> Migrations(SandpiperAction action) => action switch
    {
        SandpiperAction.Migrate m => [m],
        SandpiperAction.Swap s => s.Migrations,
        _ => [],
    };

    private static SandpiperInput RandomInput(Random random, TimeSpan now, bool coolDownHistory = true)
    {
        var hostCount = random.Next(4, 16);
        var hosts = Enumerable.Range(1, hostCount)
            .Select(i => Host(i, cpuCores: random.Next(2, 9), memoryMiB: 1024 * random.Next(4, 17), networkMbps: 1000))
            .ToList();
        var vms = new List<VmAssessment>();
        for (var i = 1; i <= hostCount * random.Next(2, 6); i++)
        {
            var allocation = new ResourceVector(0.5 + (random.NextDouble() * 3), 256 * random.Next(1, 12), 1000);
            TimeSpan? lastMoved = coolDownHistory && random.NextDouble() < 0.4 ? now - TimeSpan.FromSeconds(random.Next(0, 120)) : null;
            var vm = new VmSnapshot(new VmId(i), hosts[random.Next(hostCount)].Id, allocation, lastMoved);
            vms.Add(new VmAssessment(vm, RandomNeed(random, allocation)));
        }

        var hot = hosts.Where(_ => random.NextDouble() < 0.3).Select(h => h.Id).ToHashSet();
        return new SandpiperInput(now, hosts, vms, hot);
    }

    private static ResourceVector RandomNeed(Random random, ResourceVector allocation) =>
        new(
            allocation.CpuCores * random.NextDouble() * 1.3,
            allocation.MemoryMiB * (random.NextDouble() < 0.15 ? 1.3 : 0.8),
            random.NextDouble() * 300);
}
