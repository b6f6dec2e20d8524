using BenchmarkDotNet.Attributes;
using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Benchmarks;

/// <summary>
/// One Sandpiper planning step on 1,000 hosts and 20,000 VMs with 12 samples of history each and 5 % of hosts hot.
/// <c>Step</c> is the whole step (hotspot detection, black-box profiling of every VM, planning); <c>Plan</c> is the
/// migration manager alone on an already assessed input.
/// </summary>
[MemoryDiagnoser]
public class SandpiperPlanningBenchmarks
{
    private const int Hosts = 1_000;
    private const int VmsPerHost = 20;
    private const int Window = 12;

    private readonly SandpiperEngine _engine = SandpiperEngine.BlackBox();
    private readonly SandpiperPlanner _planner = new();
    private HostSnapshot[] _hosts = [];
    private VmSnapshot[] _vms = [];
    private ClusterMonitor _monitor = new();
    private SandpiperInput _input = new(TimeSpan.Zero, [], [], new HashSet<HostId>());

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var capacity = new ResourceVector(32, 131_072, 10_000);
        _hosts = [.. Enumerable.Range(0, Hosts).Select(h => new HostSnapshot(new HostId(h), capacity))];
        _vms = new VmSnapshot[Hosts * VmsPerHost];
        _monitor = new ClusterMonitor(Window);
        var hostSums = new ResourceVector[Hosts, Window];
        for (var i = 0; i < _vms.Length; i++)
        {
            var host = i / VmsPerHost;
            var hot = host % 20 == 7;
            var vm = new VmSnapshot(new VmId(i), new HostId(host), new ResourceVector(4, 1024 * random.Next(2, 6), 1000));
            _vms[i] = vm;
            for (var s = 0; s < Window; s++)
            {
                var cpu = (hot && s >= Window - 5 ? 1.4 : 0.8) * (0.8 + (0.4 * random.NextDouble()));
                var usage = new ResourceVector(cpu, vm.Allocation.MemoryMiB, 50 + (100 * random.NextDouble()));
                _monitor.RecordVm(vm.Id, new UsageSample(usage));
                hostSums[host, s] += usage;
            }
        }

        for (var h = 0; h < Hosts; h++)
        {
            for (var s = 0; s < Window; s++)
            {
                _monitor.RecordHost(new HostId(h), new UsageSample(hostSums[h, s]));
            }
        }

        var now = TimeSpan.FromSeconds(3600);
        _input = _engine.Assess(now, _hosts, _vms, _monitor);
        var plan = _planner.Plan(_input);
        Console.WriteLine($"// hot hosts {_input.HotHosts.Count}, actions {plan.Actions.Count}, unresolved {plan.Unresolved.Count}");
    }

    [Benchmark]
    public SandpiperPlan Plan() => _planner.Plan(_input);

    [Benchmark]
    public SandpiperPlan Step() => _engine.Step(TimeSpan.FromSeconds(3600), _hosts, _vms, _monitor);
}
