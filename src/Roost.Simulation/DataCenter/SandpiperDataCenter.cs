using Roost.Core.Balancing;
using Roost.Core.Cluster;
using Roost.Core.Model;
using Roost.Core.Monitoring;
using Roost.Core.Power;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A trace-driven data center managed by Sandpiper (Wood et al., NSDI 2007): every interval each host and VM is
/// observed, the <see cref="SandpiperEngine"/> plans resizes, migrations and swaps, and the plan is applied.
/// Optionally, underloaded hosts are then evacuated whole (<c>sandpiper+consolidate</c>), so Sandpiper can be set
/// against the CloudSim baselines on their ground: energy.
/// </summary>
/// <remarks>
/// Units: CPU in GIPS (1000 MIPS), so hosts and VMs of any core speed compare; memory in MiB; network in Mbit/s.
/// A VM's allocation starts at its size (type or trace shape); its demand each interval is its trace. Memory demand is
/// the trace's memory fraction of the VM's size where the trace has one, else the whole allocation. A VM whose memory
/// demand exceeds its allocation swaps at 10 % of the excess per second; only the black box sees swap, the gray box
/// sees the working set. Hosts, allocations, contention and migrations are the <see cref="ClusterModel"/> every Sandpiper
/// world steps: a migration copies the VM's memory over half the destination's NIC (CloudSim's share of the link) and
/// costs the VM 10 % of its CPU meanwhile.
/// Energy: SPECpower or linear model at the host's CPU utilisation; an empty host is off.
/// </remarks>
internal sealed class SandpiperDataCenter
{
    private const double MigrationDegradation = 0.1;

    private readonly Workload _workload;
    private int _placedWithoutRoom;
    private double _memoryOvercommitHostSeconds;
    private double[] _hostMemoryBooked = [];
    private readonly SandpiperEngine _engine;
    private readonly bool _consolidate;
    private readonly string _name;
    private readonly double _interval;
    private readonly ClusterMonitor _monitor = new(windowLength: 12);

    private readonly HostSnapshot[] _hosts;
    private readonly ClusterModel _model;
    private readonly IPowerModel[] _power;
    private readonly VmId[] _vmIds;
    private readonly ResourceVector[] _size;
    private readonly bool[] _wasActive;
    private readonly bool[] _wasHot;

    private ResourceVector[] _lastDemand = [];
    private ResourceVector[] _used = [];
    private ResourceVector[] _hostDemand = [];
    private int[] _hostVmCount = [];
    private ResourceVector[] _consolidationLoad = [];
    private ResourceVector[] _consolidationFootprint = [];
    private ResourceVector[] _consolidationAdded = [];
    private bool[] _consolidationClosed = [];
    private List<int>[] _consolidationMembers = [];
    private double _energyWattSeconds;
    private double _activeSeconds;
    private double _violationSeconds;
    private double _requestedGipsSeconds;
    private double _migrationLossGipsSeconds;
    private int _migrations;
    private int _hotspots;
    private int _shutdowns;
    private readonly List<double> _activeTimes = [];
    private readonly List<double> _activeCounts = [];

    public SandpiperDataCenter(Workload workload, DataCenterSetup setup, SandpiperEngine engine, bool consolidate, string name)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(engine);
        _workload = workload;
        _engine = engine;
        _consolidate = consolidate;
        _name = name;
        _interval = workload.Interval.TotalSeconds;

        _hosts = new HostSnapshot[setup.HostCount];
        _power = new IPowerModel[setup.HostCount];
        for (var h = 0; h < setup.HostCount; h++)
        {
            var type = setup.HostTypes[h % setup.HostTypes.Count];
            _hosts[h] = new HostSnapshot(new HostId(h), new ResourceVector(type.TotalMips / 1000, type.RamMiB, type.BandwidthMbps));
            _power[h] = type.Power;
        }

        _model = new ClusterModel(_hosts, MigrationTime.HalfDestinationLink);
        var n = workload.Vms.Count;
        _vmIds = new VmId[n];
        _size = new ResourceVector[n];
        _wasActive = new bool[setup.HostCount];
        _wasHot = new bool[setup.HostCount];
        for (var v = 0; v < n; v++)
        {
            _vmIds[v] = new VmId(v);
            var (mips, _, ram, bandwidth) = setup.VmSize(workload.Vms[v], v, n);
            _size[v] = new ResourceVector(mips / 1000, ram, bandwidth);
        }
    }

    public SimulationResult Run(IProgress<double>? progress)
    {
        PlaceInitially();
        var steps = _workload.Steps;
        for (var k = 1; k < steps; k++)
        {
            var now = k * _interval;
            var at = TimeSpan.FromSeconds(now);
            _model.CompleteMigrations(at);
            Observe(k, now);
            var plan = _engine.Step(at, _hosts, _model.PlannerView(at), _monitor);
            var touched = new HashSet<int>();
            foreach (var action in plan.Actions)
            {
                Apply(action, now, touched);
            }

            if (_consolidate)
            {
                Consolidate(now, touched);
            }

            progress?.Report((double)k / (steps - 1));
        }

        var slatah = _activeSeconds > 0 ? _violationSeconds / _activeSeconds : 0;
        var pdm = _requestedGipsSeconds > 0 ? _migrationLossGipsSeconds / _requestedGipsSeconds : 0;
        var energyKwh = _energyWattSeconds / 3.6e6;
        return new SimulationResult(
            _name,
            _workload.Name,
            _hosts.Length,
            _vmIds.Length,
            (steps - 1) * _interval,
            energyKwh,
            _migrations,
            slatah * 100,
            pdm * 100,
            slatah * pdm * 100,
            energyKwh * slatah * pdm,
            _shutdowns,
            new TimeSeries([.. _activeTimes], [.. _activeCounts]))
        {
            OverloadHostSeconds = _violationSeconds,
            Hotspots = _hotspots,
            MemoryOvercommitHostSeconds = _memoryOvercommitHostSeconds,
            PlacedWithoutRoomVms = _placedWithoutRoom,
        };
    }

    /// <summary>First fit in VM order on allocations (each VM's size), as CloudSim's simple policy places VMs.</summary>
    private void PlaceInitially()
    {
        var used = new ResourceVector[_hosts.Length];
        var limits = _hosts.Select(h => h.Capacity).ToArray();
        for (var v = 0; v < _vmIds.Length; v++)
        {
            var host = VmPlacement.FirstFit(used, limits, _size[v]);
            if (host < 0)
            {
                // Larger than any free room: put it on the emptiest host by CPU; it will run overloaded.
                host = 0;
                for (var h = 1; h < _hosts.Length; h++)
                {
                    if (used[h].CpuCores < used[host].CpuCores)
                    {
                        host = h;
                    }
                }

                _placedWithoutRoom++;
            }

            used[host] += _size[v];
            _model.AddVm(_vmIds[v], _hosts[host].Id, _size[v]);
        }
    }

    private ResourceVector Demand(int vm, int step)
    {
        var trace = _workload.Vms[vm];
        var i = Math.Min(step, trace.Length - 1);
        var size = _size[vm];
        var cpu = trace.Cpu[i] * size.CpuCores;
        var memory = trace.Memory is { } m ? m[Math.Min(i, m.Length - 1)] * size.MemoryMiB : _model.Vms[vm].Allocation.MemoryMiB;
        var network = trace.NetworkKBps is { } net ? net[Math.Min(i, net.Length - 1)] * 8 / 1000 : 0;
        return new ResourceVector(cpu, memory, network);
    }

    /// <summary>One interval of running: energy, SLA accounting, and what monitoring sees.</summary>
    private void Observe(int step, double now)
    {
        // Buffers are reused step to step: a day is 288 steps over a thousand hosts and VMs.
        var demand = Cleared(ref _hostDemand, _hosts.Length);
        var vmDemand = Cleared(ref _lastDemand, _vmIds.Length);
        var vmCount = Cleared(ref _hostVmCount, _hosts.Length);
        var booked = Cleared(ref _hostMemoryBooked, _hosts.Length);
        for (var v = 0; v < _vmIds.Length; v++)
        {
            // A migrating VM holds its memory on its source and, as the planner sees it, on its destination.
            var vm = _model.Vms[v];
            var h = _model.HostIndexOf(v);
            booked[h] += vm.Allocation.MemoryMiB;
            if (vm.Migration is { } moving)
            {
                booked[_model.PlannedHostIndexOf(v)] += moving.Allocation.MemoryMiB;
            }

            var d = Demand(v, step);
            vmDemand[v] = d;
            demand[h] += d;
            _requestedGipsSeconds += d.CpuCores * _interval;
            vmCount[h]++;
        }

        var active = 0;
        for (var h = 0; h < _hosts.Length; h++)
        {
            var capacity = _hosts[h].Capacity;
            var isActive = vmCount[h] > 0;
            if (isActive)
            {
                active++;
                _activeSeconds += _interval;
                var utilization = Math.Min(1, demand[h].CpuCores / capacity.CpuCores);
                _energyWattSeconds += _power[h].PowerWatts(utilization) * _interval;
                if (demand[h].CpuCores > capacity.CpuCores || demand[h].NetworkMbps > capacity.NetworkMbps)
                {
                    _violationSeconds += _interval;
                }
            }
            else if (_wasActive[h])
            {
                _shutdowns++;
            }

            if (booked[h] > capacity.MemoryMiB)
            {
                _memoryOvercommitHostSeconds += _interval;
            }

            _wasActive[h] = isActive;
            _monitor.RecordHost(_hosts[h].Id, new UsageSample(ResourceVector.Min(demand[h], capacity)));
        }

        _activeTimes.Add(now);
        _activeCounts.Add(active);

        var vmUsed = Cleared(ref _used, _vmIds.Length);
        _model.Run(vmDemand, vmUsed);
        for (var v = 0; v < _vmIds.Length; v++)
        {
            var d = vmDemand[v];
            var used = vmUsed[v];
            var excess = d.MemoryMiB - _model.Vms[v].Allocation.MemoryMiB;
            var swap = excess > 0 ? 0.1 * excess : 0;
            // Guest statistics exist only where the trace measured memory; otherwise the gray box has only what the
            // black box has.
            var guest = _workload.Vms[v].Memory is null ? null : new GuestMemoryStats(used.MemoryMiB, d.MemoryMiB, swap, swap * 256);
            _monitor.RecordVm(_vmIds[v], new UsageSample(used, swap), guest);
        }
    }

    private void Apply(SandpiperAction action, double now, HashSet<int> touched)
    {
        switch (action)
        {
            case SandpiperAction.Resize resize:
                _model.Apply(resize, TimeSpan.FromSeconds(now));
                touched.Add(resize.Host.Value);
                break;
            case SandpiperAction.Migrate migrate:
                StartMigration(migrate.Vm.Value, migrate.To.Value, migrate.Allocation, now);
                touched.Add(migrate.From.Value);
                touched.Add(migrate.To.Value);
                CountHotspot(migrate.From.Value);
                break;
            case SandpiperAction.Swap swap:
                foreach (var part in swap.Migrations)
                {
                    StartMigration(part.Vm.Value, part.To.Value, part.Allocation, now);
                    touched.Add(part.From.Value);
                    touched.Add(part.To.Value);
                }

                CountHotspot(swap.Migrations[0].From.Value);
                break;
            default:
                throw new InvalidOperationException($"unknown Sandpiper action {action.GetType().Name}");
        }
    }

    private void CountHotspot(int host)
    {
        if (!_wasHot[host])
        {
            _hotspots++;
            _wasHot[host] = true;
        }
    }

    private void StartMigration(int vm, int to, ResourceVector allocation, double now)
    {
        var seconds = _model.StartMigration(vm, to, allocation, TimeSpan.FromSeconds(now));

        // The VM runs 10 % slower while it migrates (CloudSim's model); charged at its current demand.
        _migrationLossGipsSeconds += MigrationDegradation * _lastDemand[vm].CpuCores * seconds;
        _migrations++;
    }

    /// <summary>
    /// Underload consolidation after Sandpiper's own actions: hosts whose CPU utilisation is under half the hotspot
    /// threshold, in increasing utilisation, try to move every VM to other active hosts that stay under the threshold
    /// with it on every resource (CPU and network by current demand, memory by allocation); the least CPU-loaded such
    /// host takes each VM. A host is emptied whole or not at all, and hosts just touched are left alone.
    /// </summary>
    private void Consolidate(double now, HashSet<int> touched)
    {
        var ceiling = _engine.Options.Ceiling;
        var step = (int)(now / _interval);
        var hostCount = _hosts.Length;
        var load = Cleared(ref _consolidationLoad, hostCount);
        if (_consolidationMembers.Length != hostCount)
        {
            _consolidationMembers = new List<int>[hostCount];
            for (var h = 0; h < hostCount; h++)
            {
                _consolidationMembers[h] = [];
            }
        }

        var members = _consolidationMembers;
        foreach (var list in members)
        {
            list.Clear();
        }

        var footprint = Cleared(ref _consolidationFootprint, _vmIds.Length);
        for (var v = 0; v < _vmIds.Length; v++)
        {
            var h = _model.PlannedHostIndexOf(v);
            members[h].Add(v);
            footprint[v] = Footprint(v, step);
            load[h] += footprint[v];
        }

        var active = new List<int>();
        for (var h = 0; h < hostCount; h++)
        {
            if (members[h].Count > 0)
            {
                active.Add(h);
            }
        }

        var order = active
            .Where(h => !touched.Contains(h) && load[h].CpuCores / _hosts[h].Capacity.CpuCores < ceiling / 2)
            .OrderBy(h => load[h].CpuCores / _hosts[h].Capacity.CpuCores).ThenBy(h => h)
            .ToList();
        // Room only shrinks while planning, so a VM larger than the largest room found now can never move: its host is
        // skipped without a search.
        var maxMemoryRoom = 0.0;
        var maxCpuRoom = 0.0;
        foreach (var h in active)
        {
            maxMemoryRoom = Math.Max(maxMemoryRoom, (ceiling * _hosts[h].Capacity.MemoryMiB) - load[h].MemoryMiB);
            maxCpuRoom = Math.Max(maxCpuRoom, (ceiling * _hosts[h].Capacity.CpuCores) - load[h].CpuCores);
        }

        var closed = Cleared(ref _consolidationClosed, hostCount);
        var added = Cleared(ref _consolidationAdded, hostCount);
        var addedTo = new List<int>();
        foreach (var source in order)
        {
            if (closed[source] || members[source].Any(v => _model.Vms[v].Migration is not null || InCoolDown(v, now)
                || footprint[v].MemoryMiB > maxMemoryRoom || footprint[v].CpuCores > maxCpuRoom))
            {
                continue;
            }

            var moves = new List<(int Vm, int To)>();
            foreach (var to in addedTo)
            {
                added[to] = ResourceVector.Zero;
            }

            addedTo.Clear();
            foreach (var v in members[source].OrderByDescending(v => footprint[v].CpuCores).ThenBy(v => v))
            {
                var target = -1;
                var best = double.MaxValue;
                foreach (var h in active)
                {
                    if (h == source || closed[h] || members[h].Count == 0)
                    {
                        continue;
                    }

                    var capacity = _hosts[h].Capacity;
                    var after = load[h] + added[h] + footprint[v];
                    var cpu = after.CpuCores / capacity.CpuCores;
                    if (cpu < best && cpu <= ceiling && after.MemoryMiB <= ceiling * capacity.MemoryMiB && after.NetworkMbps <= ceiling * capacity.NetworkMbps)
                    {
                        best = cpu;
                        target = h;
                    }
                }

                if (target < 0)
                {
                    moves.Clear();
                    break;
                }

                added[target] += footprint[v];
                addedTo.Add(target);
                moves.Add((v, target));
            }

            if (moves.Count == 0)
            {
                continue;
            }

            closed[source] = true;
            foreach (var (v, to) in moves)
            {
                StartMigration(v, to, _model.Vms[v].Allocation, now);
                load[to] += footprint[v];
                members[to].Add(v);
                closed[to] = true;
            }

            members[source].Clear();
            load[source] = ResourceVector.Zero;
        }
    }

    private bool InCoolDown(int vm, double now) =>
        _model.Vms[vm].LastMovedAt is { } moved && now - moved.TotalSeconds < _engine.Options.CoolDown.TotalSeconds;

    /// <summary>What a VM takes on a host for consolidation: its CPU and network demand and its memory allocation.</summary>
    private ResourceVector Footprint(int vm, int step)
    {
        var demand = Demand(vm, step);
        return new ResourceVector(demand.CpuCores, Math.Max(demand.MemoryMiB, _model.Vms[vm].Allocation.MemoryMiB), demand.NetworkMbps);
    }

    /// <summary>A zeroed buffer of <paramref name="length"/>, reusing <paramref name="buffer"/> when it fits.</summary>
    private static T[] Cleared<T>(ref T[] buffer, int length)
    {
        if (buffer.Length != length)
        {
            buffer = new T[length];
        }
        else
        {
            Array.Clear(buffer);
        }

        return buffer;
    }
}
