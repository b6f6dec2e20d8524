using System.Globalization;
using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Monitoring;
using Roost.Core.Power;
using Roost.Simulation.Workloads;

namespace Roost.Controller.Drivers;

/// <summary>
/// A data center simulated in accelerated real time: the clock is <see cref="SimulatedFleet.Speed"/> × wall time
/// (from the injected <see cref="TimeProvider"/>), each VM replays a synthetic trace (interpolated between its 300 s
/// samples, looping), and migrations take memory / (half the link) seconds of simulated time. Not thread-safe: the
/// control loop is its only caller.
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
    private readonly SortedDictionary<int, ResourceVector> _hosts = [];
    private readonly SortedDictionary<int, SimulatedVm> _vms = [];
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

    public string Description => string.Create(CultureInfo.InvariantCulture, $"simulated ({_hosts.Count} hosts, time x{_fleet.Speed:0.##})");

    public bool CanResize => true;

    public TimeSpan Clock => _clockBase + (_time.GetElapsedTime(_wallBase) * _fleet.Speed);

    public Task<DriverInventory> DiscoverAsync(CancellationToken cancellationToken)
    {
        var random = new Random(_fleet.Seed);
        var hosts = new List<StoredHost>();
        for (var h = 0; h < _fleet.Hosts; h++)
        {
            _hosts[h] = _hostCapacity;
            hosts.Add(new StoredHost(new HostId(h), $"sim-{h:D2}", _hostCapacity));
        }

        // First fit in id order, CPU oversubscribed 1.5x as clouds do: some hosts busy, the rest empty, as after
        // a consolidation; the workload's bursts then make hotspots for Sandpiper to relieve.
        var committed = new ResourceVector[_fleet.Hosts];
        var limit = _hostCapacity with { CpuCores = _hostCapacity.CpuCores * 1.5 };
        var vms = new List<StoredVm>();
        for (var v = 0; v < _fleet.Vms; v++)
        {
            var cores = (double)(random.Next(4) switch { 0 => 1, 3 => 4, _ => 2 });
            var memory = random.Next(4) switch { 0 => 2048.0, 3 => 8192.0, _ => 4096.0 };
            var allocation = new ResourceVector(cores, memory, 100);
            var host = Array.FindIndex(committed, c => (c + allocation).FitsWithin(limit));
            if (host < 0)
            {
                break;
            }

            committed[host] += allocation;
            _vms[v] = new SimulatedVm(host, allocation, cores);
            vms.Add(new StoredVm(new VmId(v), $"vm-{v:D3}", new HostId(host), allocation, VmState.Running));
        }

        return Task.FromResult(new DriverInventory(hosts, vms));
    }

    public Task AdoptAsync(IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, TimeSpan clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);
        _hosts.Clear();
        _vms.Clear();
        foreach (var host in hosts)
        {
            _hosts[host.Id.Value] = host.Capacity;
        }

        // Whatever was migrating when the controller stopped did not finish: the VM is where the store last saw it.
        foreach (var vm in vms)
        {
            if (vm is { State: VmState.Running or VmState.Stopping, Host: { } host } && _hosts.ContainsKey(host.Value))
            {
                _vms[vm.Id.Value] = new SimulatedVm(host.Value, vm.Allocation, Math.Max(1, Math.Round(vm.Allocation.CpuCores)));
            }
        }

        _clockBase = clock;
        _wallBase = _time.GetTimestamp();
        return Task.CompletedTask;
    }

    public Task<ClusterObservation> ObserveAsync(CancellationToken cancellationToken)
    {
        var now = Clock;
        foreach (var vm in _vms.Values)
        {
            if (vm.MigratingTo is { } to && vm.MigrationDone <= now)
            {
                vm.Host = to;
                vm.Allocation = vm.ArrivalAllocation;
                vm.MigratingTo = null;
            }
        }

        var demand = new Dictionary<int, ResourceVector>(_vms.Count);
        var wanted = new Dictionary<int, double>();
        foreach (var (id, vm) in _vms)
        {
            var d = Demand(id, vm, now);
            demand[id] = d;
            wanted[vm.Host] = wanted.GetValueOrDefault(vm.Host) + Math.Min(d.CpuCores, vm.Allocation.CpuCores);
        }

        var usage = new Dictionary<int, ResourceVector>();
        var vms = new List<VmObservation>(_vms.Count);
        foreach (var (id, vm) in _vms)
        {
            var capacity = _hosts[vm.Host];
            var d = demand[id];
            var share = wanted[vm.Host] > capacity.CpuCores ? capacity.CpuCores / wanted[vm.Host] : 1;
            var used = new ResourceVector(
                Math.Min(d.CpuCores, vm.Allocation.CpuCores) * share,
                Math.Min(d.MemoryMiB, vm.Allocation.MemoryMiB),
                Math.Min(d.NetworkMbps, vm.Allocation.NetworkMbps));
            usage[vm.Host] = usage.GetValueOrDefault(vm.Host) + used;
            vms.Add(new VmObservation(new VmId(id), new HostId(vm.Host), vm.Allocation, new UsageSample(used), vm.MigratingTo is { } m ? new HostId(m) : null));
        }

        var hosts = new List<HostObservation>(_hosts.Count);
        foreach (var (id, capacity) in _hosts)
        {
            var used = ResourceVector.Min(usage.GetValueOrDefault(id), capacity);
            var watts = usage.ContainsKey(id) ? _power.PowerWatts(Math.Clamp(used.CpuCores / capacity.CpuCores, 0, 1)) : 0;
            hosts.Add(new HostObservation(new HostId(id), used, watts));
        }

        return Task.FromResult(new ClusterObservation(now, hosts, vms));
    }

    public Task<DriverResult> StartVmAsync(VmId vm, HostId host, ResourceVector allocation, CancellationToken cancellationToken)
    {
        if (!_hosts.ContainsKey(host.Value))
        {
            return Refuse($"{host} does not exist");
        }

        _vms[vm.Value] = new SimulatedVm(host.Value, allocation, Math.Max(1, Math.Round(allocation.CpuCores)));
        return Task.FromResult(DriverResult.Ok);
    }

    public Task<DriverResult> StopVmAsync(VmId vm, CancellationToken cancellationToken) =>
        _vms.Remove(vm.Value) ? Task.FromResult(DriverResult.Ok) : Refuse($"{vm} is not running");

    public Task<DriverResult> StartMigrationAsync(VmId vm, HostId destination, ResourceVector allocation, CancellationToken cancellationToken)
    {
        if (!_vms.TryGetValue(vm.Value, out var state))
        {
            return Refuse($"{vm} is not running");
        }

        if (state.MigratingTo is not null)
        {
            return Refuse($"{vm} is already migrating");
        }

        if (!_hosts.TryGetValue(destination.Value, out var capacity) || destination.Value == state.Host)
        {
            return Refuse($"{destination} is not another host");
        }

        // Pre-copy over half the destination's link: memory / (Mbit/s / 8 / 2) seconds of simulated time.
        var seconds = state.Allocation.MemoryMiB / (capacity.NetworkMbps / 16);
        state.MigratingTo = destination.Value;
        state.MigrationDone = Clock + TimeSpan.FromSeconds(seconds);
        state.ArrivalAllocation = allocation;
        return Task.FromResult(DriverResult.Ok);
    }

    public Task<DriverResult> ResizeAsync(VmId vm, ResourceVector allocation, CancellationToken cancellationToken)
    {
        if (!_vms.TryGetValue(vm.Value, out var state))
        {
            return Refuse($"{vm} is not running");
        }

        state.Allocation = allocation;
        return Task.FromResult(DriverResult.Ok);
    }

    private static Task<DriverResult> Refuse(string reason) => Task.FromResult<DriverResult>(new DriverResult.Refused(reason));

    private ResourceVector Demand(int id, SimulatedVm vm, TimeSpan now)
    {
        var trace = _workload.Vms[id % _workload.Vms.Count].Cpu;
        var position = now / _traceInterval;
        var step = (long)Math.Floor(position);
        var fraction = position - step;
        var a = trace[(int)(step % trace.Length)];
        var b = trace[(int)((step + 1) % trace.Length)];
        var cpu = a + ((b - a) * fraction);
        return new ResourceVector(
            cpu * vm.Cores * _fleet.Intensity,
            vm.Allocation.MemoryMiB * Math.Min(0.95, 0.45 + (0.5 * cpu * _fleet.Intensity)),
            vm.Allocation.NetworkMbps * Math.Min(1, cpu * _fleet.Intensity));
    }

    /// <summary>One VM of the simulation; mutable, owned by the driver.</summary>
    private sealed class SimulatedVm(int host, ResourceVector allocation, double cores)
    {
        public int Host { get; set; } = host;

        public ResourceVector Allocation { get; set; } = allocation;

        /// <summary>The vCPUs its workload scales with; resizing the cap does not change them.</summary>
        public double Cores { get; } = cores;

        public int? MigratingTo { get; set; }

        public TimeSpan MigrationDone { get; set; }

        public ResourceVector ArrivalAllocation { get; set; }
    }
}
