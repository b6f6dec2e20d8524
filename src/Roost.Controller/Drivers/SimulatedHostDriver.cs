using System.Globalization;
using Roost.Controller.Store;
using Roost.Core.Balancing;
using Roost.Core.Cluster;
using Roost.Core.Model;
using Roost.Core.Monitoring;
using Roost.Core.Power;
using Roost.Simulation.Workloads;

namespace Roost.Controller.Drivers;

/// <summary>
/// A data center simulated in accelerated real time: the clock is <see cref="SimulatedFleet.Speed"/> × wall time
/// (from the injected <see cref="TimeProvider"/>), each VM replays a synthetic trace (interpolated between its 300 s
/// samples, looping) on the <see cref="ClusterModel"/> every Sandpiper world steps (contention, migrations in flight:
/// the VM's memory over half the destination's NIC, in simulated time). Not thread-safe: the control loop is its only
/// caller.
/// </summary>
/// <remarks>
/// A VM demands trace × vCPUs × intensity cores (it gets at most its allocation, and its host's cores are shared
/// proportionally when oversubscribed), memory of 45–95 % of its size rising with CPU load, and network up to its
/// allocation in proportion to CPU load. A VM whose CPU demand exceeds its allocation is pinned, which black-box
/// Sandpiper sees and resizes. Power is linear 150–250 W for a host with VMs, 0 for an empty one.
/// </remarks>
internal sealed class SimulatedHostDriver : IHostDriver
{
    private static readonly TimeSpan _traceInterval = TimeSpan.FromSeconds(300);
    private static readonly ResourceVector _hostCapacity = new(8, 32_768, 1000);
    private static readonly LinearPowerModel _power = new(250, 0.6);

    private readonly SimulatedFleet _fleet;
    private readonly TimeProvider _time;
    private readonly Workload _workload;
    private readonly Dictionary<VmId, double> _cores = [];
    private ClusterModel _model = new([], MigrationTime.HalfDestinationLink);
    private TimeSpan _clockBase;
    private long _wallBase;

    public SimulatedHostDriver(SimulatedFleet fleet, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(time);
        _fleet = fleet;
        _time = time;
        _workload = WorkloadSource.Load(string.Create(CultureInfo.InvariantCulture, $"synthetic:{fleet.Seed}:{Math.Max(1, fleet.Vms)}"));
        _wallBase = time.GetTimestamp();
    }

    public string Description => string.Create(CultureInfo.InvariantCulture, $"simulated ({_model.Hosts.Count} hosts, time x{_fleet.Speed:0.##})");

    public bool CanResize => true;

    /// <summary>Ignored: simulated guests have no fingerprints to read.</summary>
    public bool CollectFingerprints { get; set; }

    public TimeSpan Clock => _clockBase + (_time.GetElapsedTime(_wallBase) * _fleet.Speed);

    public Task<DriverInventory> DiscoverAsync(CancellationToken cancellationToken)
    {
        var random = new Random(_fleet.Seed);
        var hosts = new List<StoredHost>();
        for (var h = 0; h < _fleet.Hosts; h++)
        {
            hosts.Add(new StoredHost(new HostId(h), $"sim-{h:D2}", _hostCapacity));
        }

        _model = new ClusterModel(hosts.Select(h => new HostSnapshot(h.Id, h.Capacity)), MigrationTime.HalfDestinationLink);
        _cores.Clear();

        // First fit in id order, CPU oversubscribed 1.5x as clouds do: some hosts busy, the rest empty, as after
        // a consolidation; the workload's bursts then make hotspots for Sandpiper to relieve.
        var committed = new ResourceVector[_fleet.Hosts];
        var limits = hosts.Select(h => h.PlacementCapacity).ToArray();
        var vms = new List<StoredVm>();
        for (var v = 0; v < _fleet.Vms; v++)
        {
            var cores = (double)(random.Next(4) switch { 0 => 1, 3 => 4, _ => 2 });
            var memory = random.Next(4) switch { 0 => 2048.0, 3 => 8192.0, _ => 4096.0 };
            var allocation = new ResourceVector(cores, memory, 100);
            var host = VmPlacement.FirstFit(committed, limits, allocation);
            if (host < 0)
            {
                break;
            }

            committed[host] += allocation;
            _model.AddVm(new VmId(v), new HostId(host), allocation);
            _cores[new VmId(v)] = cores;
            vms.Add(new StoredVm(new VmId(v), $"vm-{v:D3}", new HostId(host), allocation, VmState.Running));
        }

        return Task.FromResult(new DriverInventory(hosts, vms));
    }

    public Task AdoptAsync(IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, TimeSpan clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);
        _model = new ClusterModel(hosts.Select(h => new HostSnapshot(h.Id, h.Capacity)), MigrationTime.HalfDestinationLink);
        _cores.Clear();

        // Whatever was migrating when the controller stopped did not finish: the VM is where the store last saw it.
        foreach (var vm in vms)
        {
            if (vm is { State: VmState.Running or VmState.Stopping, Host: { } host } && _model.HasHost(host))
            {
                Add(vm.Id, host, vm.Allocation, vm.LastMovedAt);
            }
        }

        _clockBase = clock;
        _wallBase = _time.GetTimestamp();
        return Task.CompletedTask;
    }

    public Task<ClusterObservation> ObserveAsync(CancellationToken cancellationToken)
    {
        var now = Clock;
        _model.CompleteMigrations(now);
        var count = _model.Vms.Count;
        var demand = new ResourceVector[count];
        for (var v = 0; v < count; v++)
        {
            demand[v] = Demand(_model.Vms[v], now);
        }

        var used = new ResourceVector[count];
        _model.Run(demand, used);
        var usage = new ResourceVector?[_model.Hosts.Count];
        var vms = new List<VmObservation>(count);
        for (var v = 0; v < count; v++)
        {
            var vm = _model.Vms[v];
            var h = _model.HostIndexOf(v);
            usage[h] = (usage[h] ?? ResourceVector.Zero) + used[v];
            vms.Add(new VmObservation(vm.Id, vm.Host, vm.Allocation, new UsageSample(used[v]), vm.Migration?.To));
        }

        var hosts = new List<HostObservation>(_model.Hosts.Count);
        for (var h = 0; h < _model.Hosts.Count; h++)
        {
            var capacity = _model.Hosts[h].Capacity;
            var load = ResourceVector.Min(usage[h] ?? ResourceVector.Zero, capacity);
            var watts = usage[h] is null ? 0 : _power.PowerWatts(Math.Clamp(load.CpuCores / capacity.CpuCores, 0, 1));
            hosts.Add(new HostObservation(_model.Hosts[h].Id, load, watts));
        }

        return Task.FromResult(new ClusterObservation(now, hosts, vms));
    }

    public Task<DriverResult> StartVmAsync(VmId vm, HostId host, ResourceVector allocation, string? image, CancellationToken cancellationToken)
    {
        if (!_model.HasHost(host))
        {
            return Refuse($"{host} does not exist");
        }

        Remove(vm);
        Add(vm, host, allocation, null);
        return Task.FromResult(DriverResult.Ok);
    }

    public Task<DriverResult> StopVmAsync(VmId vm, CancellationToken cancellationToken) =>
        Remove(vm) ? Task.FromResult(DriverResult.Ok) : Refuse($"{vm} is not running");

    public Task<DriverResult> StartMigrationAsync(VmId vm, HostId destination, ResourceVector allocation, CancellationToken cancellationToken)
    {
        if (!_model.TryGetVmIndex(vm, out var index))
        {
            return Refuse($"{vm} is not running");
        }

        if (_model.Vms[index].Migration is not null)
        {
            return Refuse($"{vm} is already migrating");
        }

        if (!_model.HasHost(destination) || destination == _model.Vms[index].Host)
        {
            return Refuse($"{destination} is not another host");
        }

        _model.StartMigration(index, _model.HostIndex(destination), allocation, Clock);
        return Task.FromResult(DriverResult.Ok);
    }

    public Task<DriverResult> ResizeAsync(VmId vm, ResourceVector allocation, CancellationToken cancellationToken)
    {
        if (!_model.TryGetVmIndex(vm, out var index))
        {
            return Refuse($"{vm} is not running");
        }

        _model.Resize(index, allocation);
        return Task.FromResult(DriverResult.Ok);
    }

    private static Task<DriverResult> Refuse(string reason) => Task.FromResult<DriverResult>(new DriverResult.Refused(reason));

    private void Add(VmId vm, HostId host, ResourceVector allocation, TimeSpan? lastMovedAt)
    {
        _model.AddVm(vm, host, allocation, lastMovedAt);
        _cores[vm] = Math.Max(1, Math.Round(allocation.CpuCores));
    }

    private bool Remove(VmId vm)
    {
        _cores.Remove(vm);
        return _model.RemoveVm(vm);
    }

    /// <summary>What a VM wants now; its vCPUs (what its workload scales with) do not change when its cap is resized.</summary>
    private ResourceVector Demand(ModelVm vm, TimeSpan now)
    {
        var trace = _workload.Vms[vm.Id.Value % _workload.Vms.Count].Cpu;
        var position = now / _traceInterval;
        var step = (long)Math.Floor(position);
        var fraction = position - step;
        var a = trace[(int)(step % trace.Length)];
        var b = trace[(int)((step + 1) % trace.Length)];
        var cpu = a + ((b - a) * fraction);
        var cores = _cores[vm.Id];
        return new ResourceVector(
            cpu * cores * _fleet.Intensity,
            vm.Allocation.MemoryMiB * Math.Min(0.95, 0.45 + (0.5 * cpu * _fleet.Intensity)),
            vm.Allocation.NetworkMbps * Math.Min(1, cpu * _fleet.Intensity));
    }
}
