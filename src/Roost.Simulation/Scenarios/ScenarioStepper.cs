using Roost.Core.Balancing;
using Roost.Core.Cluster;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Simulation.Scenarios;

/// <summary>
/// Replays a <see cref="Scenario"/> second by second through Sandpiper: at every monitoring interval the mean usage of
/// each VM and host goes into a <see cref="ClusterMonitor"/>, the <see cref="SandpiperEngine"/> plans, and the plan is
/// applied. Deterministic: no clock, no randomness, VMs and hosts in id order.
/// <para>The world it models, kept deliberately small; placement, contention and migrations are the
/// <see cref="ClusterModel"/> every Sandpiper world steps:</para>
/// <list type="bullet">
/// <item>A VM uses min(demand, allocation) of CPU and network; if a host's VMs together want more than its capacity,
/// each gets the same fraction of its want. Memory is reserved: the hypervisor sees the allocation as used.</item>
/// <item>A working set larger than the allocation swaps at max(1, 0.1 × excess MiB) MiB/s; a guest with
/// <see cref="ScenarioVm.GuestStats"/> also reports its working set, in-use memory and page faults (256 per MiB).</item>
/// <item>Application statistics are reported at the current allocation: service time = CPU-seconds per request /
/// allocated cores.</item>
/// <item>A resize takes effect at once. A migration copies the VM's memory at the scenario's bandwidth
/// (MiB × 8.388608 / Mbit/s seconds; the migrations of a swap run side by side) and the VM keeps running, and loading,
/// its source until the copy ends; planners see it on its destination from the start (its reservation is there) and
/// never move it again while it is in flight.</item>
/// <item>A host is overloaded in truth during a second when its VMs' demand exceeds the hotspot threshold of its
/// capacity on any resource (memory: reservations), or one of its VMs is starved (CPU demand above its cap, or
/// swapping).</item>
/// </list>
/// </summary>
public sealed class ScenarioStepper
{
    private readonly Scenario _scenario;
    private readonly SandpiperEngine _engine;
    private readonly ClusterMonitor _monitor;
    private readonly ScenarioHost[] _hosts;
    private readonly ScenarioVm[] _vms;
    private readonly ClusterModel _model;
    private readonly ResourceVector[] _demand;
    private readonly ResourceVector[] _used;
    private readonly VmAccumulator[] _vmSums;
    private readonly ResourceVector[] _hostSums;
    private readonly ResourceVector[] _lastHostSample;
    private readonly int?[] _onset;
    private readonly bool[] _flagged;
    private readonly List<OverloadEpisode> _episodes = [];
    private readonly List<TimedAction> _actions = [];
    private int _secondsInInterval;
    private int _overloadHostSeconds;
    private int _hotspots;
    private int _migrations;
    private int _swaps;
    private int _resizes;

    public ScenarioStepper(Scenario scenario, SandpiperEngine engine)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(engine);
        _scenario = scenario;
        _engine = engine;
        _monitor = new ClusterMonitor(scenario.WindowLength);
        _hosts = [.. scenario.Hosts.OrderBy(h => h.Id.Value)];
        _vms = [.. scenario.Vms.OrderBy(v => v.Id.Value)];
        _model = new ClusterModel(_hosts.Select(h => new HostSnapshot(h.Id, h.Capacity)), MigrationTime.OverLink(scenario.MigrationBandwidthMbps));
        foreach (var vm in _vms)
        {
            _model.AddVm(vm.Id, vm.Host, vm.Allocation);
        }

        _demand = new ResourceVector[_vms.Length];
        _used = new ResourceVector[_vms.Length];
        _vmSums = new VmAccumulator[_vms.Length];
        _hostSums = new ResourceVector[_hosts.Length];
        _lastHostSample = new ResourceVector[_hosts.Length];
        _onset = new int?[_hosts.Length];
        _flagged = new bool[_hosts.Length];
    }

    /// <summary>Whole seconds simulated so far.</summary>
    public int Second { get; private set; }

    public bool Finished => Second >= (int)_scenario.Duration.TotalSeconds;

    /// <summary>Replays a whole scenario with a fresh stepper.</summary>
    public static ScenarioRun Run(Scenario scenario, SandpiperEngine engine)
    {
        var stepper = new ScenarioStepper(scenario, engine);
        while (stepper.Step())
        {
        }

        return stepper.Result();
    }

    /// <summary>Simulates one second (and, at an interval boundary, one Sandpiper step); false once finished.</summary>
    public bool Step()
    {
        if (Finished)
        {
            return false;
        }

        _model.CompleteMigrations(TimeSpan.FromSeconds(Second));
        SimulateSecond();
        Second++;
        if (++_secondsInInterval == (int)_scenario.MonitoringInterval.TotalSeconds)
        {
            _secondsInInterval = 0;
            MonitorAndPlan();
        }

        return true;
    }

    /// <summary>The run so far; episodes still open are reported without relief.</summary>
    public ScenarioRun Result()
    {
        var episodes = new List<OverloadEpisode>(_episodes);
        for (var h = 0; h < _hosts.Length; h++)
        {
            if (_onset[h] is { } onset)
            {
                episodes.Add(new OverloadEpisode(_hosts[h].Id, onset, null));
            }
        }

        episodes.Sort(static (a, b) => a.OnsetSecond != b.OnsetSecond ? a.OnsetSecond.CompareTo(b.OnsetSecond) : a.Host.Value.CompareTo(b.Host.Value));
        var relieved = episodes.Where(e => e.SecondsToRelief is not null).Select(e => e.SecondsToRelief ?? 0).ToList();
        var metrics = new ScenarioMetrics(
            _overloadHostSeconds,
            _hotspots,
            _migrations,
            _swaps,
            _resizes,
            relieved.Count == 0 ? null : relieved.Average(),
            relieved.Count == 0 ? null : relieved.Max(),
            episodes.Count - relieved.Count);

        var hosts = new HostEndState[_hosts.Length];
        for (var h = 0; h < _hosts.Length; h++)
        {
            var members = Enumerable.Range(0, _vms.Length).Where(i => _model.HostIndexOf(i) == h).Select(i => _vms[i].Id).ToArray();
            hosts[h] = new HostEndState(_hosts[h].Id, _lastHostSample[h], _hosts[h].Capacity, members);
        }

        var vms = Enumerable.Range(0, _vms.Length)
            .Select(i => new VmEndState(_vms[i].Id, _model.Vms[i].Host, _model.Vms[i].Allocation))
            .ToArray();
        return new ScenarioRun(_scenario.Name, _engine.Provisioner.Name, metrics, _actions.ToArray(), episodes, hosts, vms);
    }

    private void SimulateSecond()
    {
        var demand = new ResourceVector[_hosts.Length];
        var starved = new bool[_hosts.Length];
        for (var i = 0; i < _vms.Length; i++)
        {
            var phase = _vms[i].PhaseAt(Second);
            var h = _model.HostIndexOf(i);
            var allocation = _model.Vms[i].Allocation;

            // The guest touches its whole reservation; its working set only decides whether it swaps.
            _demand[i] = new ResourceVector(phase.CpuCores, allocation.MemoryMiB, phase.NetworkMbps);
            demand[h] += _demand[i];
            starved[h] |= phase.CpuCores > allocation.CpuCores * (1 + 1e-9) || phase.WorkingSetMiB > allocation.MemoryMiB;
        }

        var threshold = _engine.Options.Rule.Threshold;
        for (var h = 0; h < _hosts.Length; h++)
        {
            var overloaded = starved[h] || demand[h].FractionOf(_hosts[h].Capacity).MaxComponent > threshold;
            if (overloaded)
            {
                _overloadHostSeconds++;
                _onset[h] ??= Second;
            }
            else if (_onset[h] is { } onset)
            {
                _episodes.Add(new OverloadEpisode(_hosts[h].Id, onset, Second));
                _onset[h] = null;
            }
        }

        _model.Run(_demand, _used);
        for (var i = 0; i < _vms.Length; i++)
        {
            var phase = _vms[i].PhaseAt(Second);
            var h = _model.HostIndexOf(i);
            var allocation = _model.Vms[i].Allocation;
            var used = _used[i];
            var excess = phase.WorkingSetMiB - allocation.MemoryMiB;
            var swap = excess > 0 ? Math.Max(1, 0.1 * excess) : 0;
            _vmSums[i] = _vmSums[i].Add(used, swap, phase.WorkingSetMiB, Math.Min(phase.WorkingSetMiB, allocation.MemoryMiB));
            _hostSums[h] += used;
        }
    }

    private void MonitorAndPlan()
    {
        var seconds = _scenario.MonitoringInterval.TotalSeconds;
        for (var h = 0; h < _hosts.Length; h++)
        {
            _lastHostSample[h] = _hostSums[h] * (1 / seconds);
            _monitor.RecordHost(_hosts[h].Id, new UsageSample(_lastHostSample[h]));
            _hostSums[h] = ResourceVector.Zero;
        }

        for (var i = 0; i < _vms.Length; i++)
        {
            var sums = _vmSums[i];
            var swap = sums.SwapMiB / seconds;
            var guest = _vms[i].GuestStats
                ? new GuestMemoryStats(sums.InUseMiB / seconds, sums.WorkingSetMiB / seconds, swap, swap * 256)
                : null;
            var application = _vms[i].PhaseAt(Second - 1).Application is { } app ? Report(app, _model.Vms[i].Allocation.CpuCores) : null;
            _monitor.RecordVm(_vms[i].Id, new UsageSample(sums.Usage * (1 / seconds), swap), guest, application);
            _vmSums[i] = default;
        }

        var now = TimeSpan.FromSeconds(Second);
        var input = _engine.Assess(now, _model.Hosts, _model.PlannerView(now), _monitor);
        CountDetections(input);
        foreach (var action in _engine.Plan(input).Actions)
        {
            Apply(action, now);
        }
    }

    private void CountDetections(SandpiperInput input)
    {
        var flagged = new bool[_hosts.Length];
        for (var h = 0; h < _hosts.Length; h++)
        {
            flagged[h] = input.HotHosts.Contains(_hosts[h].Id);
        }

        foreach (var vm in input.Vms)
        {
            if (ResourceVector.Max(vm.Vm.Allocation, vm.Need).ExceedsAny(vm.Vm.Allocation * (1 + 1e-9)))
            {
                flagged[_model.HostIndex(vm.Vm.Host)] = true;
            }
        }

        for (var h = 0; h < _hosts.Length; h++)
        {
            if (flagged[h] && !_flagged[h])
            {
                _hotspots++;
            }

            _flagged[h] = flagged[h];
        }
    }

    private void Apply(SandpiperAction action, TimeSpan now)
    {
        _actions.Add(new TimedAction(now, action));
        _model.Apply(action, now);
        switch (action)
        {
            case SandpiperAction.Resize:
                _resizes++;
                break;
            case SandpiperAction.Migrate:
                _migrations++;
                break;
            case SandpiperAction.Swap swap:
                _migrations += swap.Migrations.Count;
                _swaps++;
                break;
            default:
                throw new InvalidOperationException($"Unknown Sandpiper action {action.GetType().Name}.");
        }
    }

    /// <summary>What a gray-box daemon would log for <paramref name="app"/> running on <paramref name="cores"/>.</summary>
    private static ApplicationStats Report(ApplicationProfile app, double cores)
    {
        var service = app.CpuSecondsPerRequest / cores;
        var interArrival = app.ArrivalRatePerSecond > 0 ? 1 / app.ArrivalRatePerSecond : 0;
        return new ApplicationStats(
            app.ArrivalRatePerSecond,
            service,
            Math.Pow(app.ServiceCv * service, 2),
            Math.Pow(app.InterArrivalCv * interArrival, 2),
            app.TargetResponseSeconds,
            cores);
    }

    private readonly record struct VmAccumulator(ResourceVector Usage, double SwapMiB, double WorkingSetMiB, double InUseMiB)
    {
        public VmAccumulator Add(ResourceVector usage, double swap, double workingSet, double inUse) =>
            new(Usage + usage, SwapMiB + swap, WorkingSetMiB + workingSet, InUseMiB + inUse);
    }
}
