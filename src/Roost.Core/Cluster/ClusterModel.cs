using Roost.Core.Balancing;
using Roost.Core.Model;

namespace Roost.Core.Cluster;

/// <summary>
/// The cluster Sandpiper manages, as one sans-I/O model that the scenario stepper, the data-center simulator and the
/// controller's simulated driver all step: hosts, VMs with their allocations, contention on a host, migrations in
/// flight with one duration model (<see cref="MigrationTime"/>), and what applying a Sandpiper action does. No clock,
/// no randomness, no I/O: the caller passes the time and each VM's demand. Hosts and VMs in id order; not thread-safe
/// (one owner steps it).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A VM uses min(demand, allocation) of each resource. If a host's VMs together want more CPU (or network) than
/// it has, each gets the same fraction of its want. Memory is not shared: the caller's memory demand is what the guest
/// touches (the allocation, where the hypervisor sees the reservation as used).</item>
/// <item>A migration copies the VM's memory at its current allocation (<see cref="MigrationTime"/>). Until the copy ends
/// the VM runs, and loads, its source; planners see it on its destination with its arrival allocation from the start
/// and as just moved, so no plan moves it again mid-flight. A resize of a VM in flight changes what it holds on
/// arrival.</item>
/// </list>
/// </remarks>
public sealed class ClusterModel
{
    private readonly HostSnapshot[] _hosts;
    private readonly Dictionary<HostId, int> _hostIndex = [];
    private readonly List<ModelVm> _vms = [];
    private readonly List<int> _hostOf = [];
    private readonly List<int> _plannedHostOf = [];
    private readonly List<VmSnapshot?> _views = [];
    private readonly Dictionary<VmId, int> _vmIndex = [];
    private readonly List<VmSnapshot> _planned = [];
    private readonly double[] _cpuWant;
    private readonly double[] _networkWant;

    public ClusterModel(IEnumerable<HostSnapshot> hosts, MigrationTime migrationTime)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(migrationTime);
        _hosts = [.. hosts.OrderBy(h => h.Id.Value)];
        for (var h = 0; h < _hosts.Length; h++)
        {
            _hostIndex.Add(_hosts[h].Id, h);
        }

        MigrationTime = migrationTime;
        _cpuWant = new double[_hosts.Length];
        _networkWant = new double[_hosts.Length];
    }

    public MigrationTime MigrationTime { get; }

    /// <summary>Hosts in id order; index <c>h</c> here is the host index every other member takes.</summary>
    public IReadOnlyList<HostSnapshot> Hosts => _hosts;

    /// <summary>VMs in id order; index <c>v</c> here is the VM index every other member takes.</summary>
    public IReadOnlyList<ModelVm> Vms => _vms;

    public int HostIndex(HostId host) => _hostIndex[host];

    public bool HasHost(HostId host) => _hostIndex.ContainsKey(host);

    public bool TryGetVmIndex(VmId vm, out int index) => _vmIndex.TryGetValue(vm, out index);

    public int VmIndex(VmId vm) => _vmIndex[vm];

    /// <summary>The index of the host VM <paramref name="vm"/> runs on (its source while it migrates).</summary>
    public int HostIndexOf(int vm) => _hostOf[vm];

    /// <summary>The index of the host planners see VM <paramref name="vm"/> on (its destination while it migrates).</summary>
    public int PlannedHostIndexOf(int vm) => _plannedHostOf[vm];

    /// <summary>Adds a running VM, keeping id order; throws if the id exists or the host does not.</summary>
    public void AddVm(VmId id, HostId host, ResourceVector allocation, TimeSpan? lastMovedAt = null)
    {
        if (_vmIndex.ContainsKey(id))
        {
            throw new ArgumentException($"{id} is already in the model", nameof(id));
        }

        var h = _hostIndex.TryGetValue(host, out var found) ? found : throw new ArgumentException($"{host} is not in the model", nameof(host));
        var at = _vms.Count;
        if (at > 0 && _vms[at - 1].Id.Value > id.Value)
        {
            at = _vms.FindIndex(v => v.Id.Value > id.Value);
        }

        _vms.Insert(at, new ModelVm(id, host, allocation, lastMovedAt, null));
        _hostOf.Insert(at, h);
        _plannedHostOf.Insert(at, h);
        _views.Insert(at, null);
        Reindex(at);
    }

    /// <summary>Removes a VM (stopped); false if it is not in the model.</summary>
    public bool RemoveVm(VmId id)
    {
        if (!_vmIndex.Remove(id, out var at))
        {
            return false;
        }

        _vms.RemoveAt(at);
        _hostOf.RemoveAt(at);
        _plannedHostOf.RemoveAt(at);
        _views.RemoveAt(at);
        Reindex(at);
        return true;
    }

    /// <summary>Ends every migration whose copy has ended by <paramref name="now"/>; returns how many.</summary>
    public int CompleteMigrations(TimeSpan now)
    {
        var completed = 0;
        for (var v = 0; v < _vms.Count; v++)
        {
            if (_vms[v] is { Migration: { } move } vm && move.EndsAt <= now)
            {
                _vms[v] = vm with { Host = move.To, Allocation = move.Allocation, Migration = null };
                _hostOf[v] = _plannedHostOf[v];
                completed++;
            }
        }

        return completed;
    }

    /// <summary>
    /// One interval of running: what each VM uses given its <paramref name="demand"/> (by VM index), with CPU and
    /// network shared in proportion on a host whose VMs want more than it has.
    /// </summary>
    public void Run(ReadOnlySpan<ResourceVector> demand, Span<ResourceVector> used)
    {
        if (demand.Length != _vms.Count || used.Length != _vms.Count)
        {
            throw new ArgumentException($"demand and used must hold one entry per VM ({_vms.Count})", nameof(demand));
        }

        Array.Clear(_cpuWant);
        Array.Clear(_networkWant);
        for (var v = 0; v < _vms.Count; v++)
        {
            var allocation = _vms[v].Allocation;
            var h = _hostOf[v];
            _cpuWant[h] += Math.Min(demand[v].CpuCores, allocation.CpuCores);
            _networkWant[h] += Math.Min(demand[v].NetworkMbps, allocation.NetworkMbps);
        }

        for (var v = 0; v < _vms.Count; v++)
        {
            var allocation = _vms[v].Allocation;
            var h = _hostOf[v];
            var capacity = _hosts[h].Capacity;
            var cpuShare = _cpuWant[h] > capacity.CpuCores ? capacity.CpuCores / _cpuWant[h] : 1;
            var networkShare = _networkWant[h] > capacity.NetworkMbps ? capacity.NetworkMbps / _networkWant[h] : 1;
            var d = demand[v];
            used[v] = new ResourceVector(
                Math.Min(d.CpuCores, allocation.CpuCores) * cpuShare,
                Math.Min(d.MemoryMiB, allocation.MemoryMiB),
                Math.Min(d.NetworkMbps, allocation.NetworkMbps) * networkShare);
        }
    }

    /// <summary>
    /// The VMs as planners see them at <paramref name="now"/>, in id order: a VM in flight on its destination, with its
    /// arrival allocation, as moved at <paramref name="now"/>. Snapshots are reused while a VM does not change. The list
    /// is the model's own, valid until the next call.
    /// </summary>
    public IReadOnlyList<VmSnapshot> PlannerView(TimeSpan now)
    {
        _planned.Clear();
        for (var v = 0; v < _vms.Count; v++)
        {
            var vm = _vms[v];
            var lastMoved = vm.Migration is null ? vm.LastMovedAt : now;
            var host = vm.PlannedHost;
            var allocation = vm.PlannedAllocation;
            var cached = _views[v];
            if (cached is null || cached.Host != host || cached.Allocation != allocation || cached.LastMovedAt != lastMoved)
            {
                cached = new VmSnapshot(vm.Id, host, allocation, lastMoved);
                _views[v] = cached;
            }

            _planned.Add(cached);
        }

        return _planned;
    }

    /// <summary>Carries out a Sandpiper action at <paramref name="now"/>: a resize at once, migrations started.</summary>
    public void Apply(SandpiperAction action, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(action);
        switch (action)
        {
            case SandpiperAction.Resize resize:
                Resize(VmIndex(resize.Vm), resize.To);
                break;
            case SandpiperAction.Migrate migrate:
                StartMigration(VmIndex(migrate.Vm), HostIndex(migrate.To), migrate.Allocation, now);
                break;
            case SandpiperAction.Swap swap:
                foreach (var part in swap.Migrations)
                {
                    StartMigration(VmIndex(part.Vm), HostIndex(part.To), part.Allocation, now);
                }

                break;
            default:
                throw new InvalidOperationException($"unknown Sandpiper action {action.GetType().Name}");
        }
    }

    /// <summary>
    /// Starts migrating VM <paramref name="vm"/> to host <paramref name="to"/> at <paramref name="now"/>; on arrival it
    /// holds <paramref name="allocation"/>. Returns the copy's length in seconds.
    /// </summary>
    public double StartMigration(int vm, int to, ResourceVector allocation, TimeSpan now)
    {
        var state = _vms[vm];
        if (state.Migration is not null || to == _hostOf[vm])
        {
            throw new InvalidOperationException($"{state.Id} cannot start migrating to {_hosts[to].Id}: it is already migrating or there");
        }

        var seconds = MigrationTime.Seconds(state.Allocation.MemoryMiB, _hosts[to].Capacity);
        _vms[vm] = state with { LastMovedAt = now, Migration = new MigrationInFlight(_hosts[to].Id, now + TimeSpan.FromSeconds(seconds), allocation) };
        _plannedHostOf[vm] = to;
        return seconds;
    }

    /// <summary>Gives VM <paramref name="vm"/> a new allocation: at once, or on arrival while it migrates.</summary>
    public void Resize(int vm, ResourceVector allocation)
    {
        var state = _vms[vm];
        _vms[vm] = state.Migration is { } move
            ? state with { Migration = move with { Allocation = allocation } }
            : state with { Allocation = allocation };
    }

    private void Reindex(int from)
    {
        for (var v = from; v < _vms.Count; v++)
        {
            _vmIndex[_vms[v].Id] = v;
        }
    }
}
