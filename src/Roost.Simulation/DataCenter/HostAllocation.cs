using System.Diagnostics;
using System.Runtime.InteropServices;
using Roost.Core.Balancing.Consolidation;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// Which VMs each host runs, in CloudSim's list order, and everything derived from that: what the host's CPU scheduler
/// (VmSchedulerTimeSharedOverSubscription) gives each VM and has left, what placement counts as allocated, what the
/// VMs request, the host's utilisation history, the overload screen's key. Every change to a host goes through this
/// class, which keeps the derived state current and tells the one observer (the planner, for its host search) and
/// the overload screen; so "derived state matches the list" is a structure, not a calling convention.
/// </summary>
/// <remarks>
/// Scheduler rules: requests are capped at one core's MIPS; a VM migrating in books 10 % of its request; if
/// everything fits each VM gets its capped request (90 % for one migrating out), otherwise all are scaled by
/// capacity / demand and floored. A host's processing (<see cref="Process"/>) re-allocates, computes utilisation and
/// records host and VM states, as HostDynamicWorkload.updateVmsProcessing does.
/// </remarks>
internal sealed partial class HostAllocation
{
    private const double MigratingOutShare = 0.9;
    private const double MigratingInShare = 0.1;

    private readonly Fleet _fleet;
    private readonly VmTable _vms;
    private readonly PowerDataCenterFault _fault;
    private readonly bool _reserveMemory;
    private readonly List<int>[] _hostVms;
    private readonly List<int>[] _migratingIn;

    // CloudSim's RAM and bandwidth provisioners: booked while VMs are created, released afterwards.
    private readonly int[] _ramFree;
    private readonly double[] _bandwidthFree;

    // Utilisation (MIPS) at the host's last processing and at the one before.
    private readonly double[] _utilizationMips;
    private readonly double[] _previousUtilizationMips;

    // Derived state, stored by StoreDerived (or extended by AppendDerived) after every change.
    private readonly double[] _available;
    private readonly double[] _allocatedForPlacement;
    private readonly double[] _requestedMips;
    private readonly int[] _maxRam;
    private readonly long[] _ramBooked;

    // Per host: the request epoch its derived state was stored in (−1 once a change left it behind) and whether every
    // VM's booking fitted then; together they say whether a VM appended to the list can extend it in place.
    private readonly int[] _derivedEpoch;
    private readonly bool[] _derivedFits;
    private int _requestEpoch;

    // The host's utilisation history (its VMs' weighted), summed when read after a change.
    private readonly double[] _history;
    private readonly bool[] _historyDirty;
    private IHostObserver? _observer;

    public HostAllocation(Fleet fleet, VmTable vms, IOverloadDetector? detector, PowerDataCenterOptions options, MemoryAccounting memory = MemoryAccounting.CloudSim)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentNullException.ThrowIfNull(options);
        _fleet = fleet;
        _vms = vms;
        _fault = options.Fault;
        _reserveMemory = memory == MemoryAccounting.Reserved;
        var count = fleet.HostCount;
        _hostVms = new List<int>[count];
        _migratingIn = new List<int>[count];
        _ramFree = new int[count];
        _bandwidthFree = new double[count];
        _utilizationMips = new double[count];
        _previousUtilizationMips = new double[count];
        _available = new double[count];
        _allocatedForPlacement = new double[count];
        _requestedMips = new double[count];
        _maxRam = new int[count];
        _ramBooked = new long[count];
        _derivedEpoch = new int[count];
        _derivedFits = new bool[count];
        Array.Fill(_derivedEpoch, -1);
        _history = new double[count * VmTable.HistoryStride];
        _historyDirty = new bool[count];
        for (var h = 0; h < count; h++)
        {
            _hostVms[h] = new List<int>(4);
            _migratingIn[h] = new List<int>(1);
            _ramFree[h] = fleet.RamMiB(h);
            _bandwidthFree[h] = fleet.BandwidthMbps(h);
            _available[h] = fleet.TotalMips(h);
            _maxRam[h] = int.MinValue;
        }

        Screen = new OverloadScreen(detector, fleet, vms, this, options.Fault);
    }

    public int HostCount => _hostVms.Length;

    /// <summary>Whether RAM stays booked for as long as a VM runs (<see cref="MemoryAccounting.Reserved"/>).</summary>
    public bool ReservesMemory => _reserveMemory;

    /// <summary>The overload screen, whose keys this class keeps current.</summary>
    public OverloadScreen Screen { get; }

    /// <summary>While VMs are created at t = 0: those already created request nothing yet (their cloudlets arrive at 0.1 s).</summary>
    public bool PlacingInitially { get; private set; }

    /// <summary>The host's VMs in list order (a VM migrating in included), valid until the host next changes.</summary>
    public ReadOnlySpan<int> VmsOf(int host) => CollectionsMarshal.AsSpan(_hostVms[host]);

    public bool IsMigratingIn(int host, int vm) => _migratingIn[host].Count > 0 && _migratingIn[host].Contains(vm);

    /// <summary>MIPS the scheduler has left.</summary>
    public double Available(int host) => _available[host];

    /// <summary>getUtilizationOfCpuMips as placement reads it: a VM migrating in counts at its full share.</summary>
    public double AllocatedForPlacement(int host) => _allocatedForPlacement[host];

    /// <summary>Σ of the VMs' requests (0 each while VMs are created).</summary>
    public double RequestedMips(int host) => _requestedMips[host];

    /// <summary>The largest RAM of the host's VMs (int.MinValue if none, as CloudSim's loop starts).</summary>
    public int MaxRam(int host) => _maxRam[host];

    public int RamFree(int host) => _ramFree[host];

    /// <summary>Σ RAM of the VMs in the host's list (a VM migrating in included) at its last change, whatever the accounting.</summary>
    public long RamBooked(int host) => _ramBooked[host];

    public double BandwidthFree(int host) => _bandwidthFree[host];

    public double UtilizationMips(int host) => _utilizationMips[host];

    public double PreviousUtilizationMips(int host) => _previousUtilizationMips[host];

    /// <summary>PowerHost.getUtilizationOfCpu at the last processing: a hair over 1 counts as 1.</summary>
    public double UtilizationAtLastUpdate(int host)
    {
        var utilization = _utilizationMips[host] / _fleet.TotalMips(host);
        return utilization is > 1 and < 1.01 ? 1 : utilization;
    }

    /// <summary>Empty, idle and unbooked: interchangeable with any other such host of its type.</summary>
    public bool IsPristine(int host) => _hostVms[host].Count == 0 && _utilizationMips[host] == 0 && _ramFree[host] == _fleet.RamMiB(host);

    /// <summary>Sets the one observer told of every change to a host's derived state (the planner).</summary>
    public void Observe(IHostObserver observer) => _observer = observer;

    /// <summary>New requests are about to be read: every host's derived state was computed from the old ones.</summary>
    public void StartRequestEpoch() => _requestEpoch++;

    /// <summary>VMs are created at t = 0 from now until <see cref="EndInitialPlacement"/>.</summary>
    public void StartInitialPlacement()
    {
        PlacingInitially = true;
        _requestEpoch++;
    }

    /// <summary>
    /// From the first tick on, VMs request no RAM or bandwidth (CloudSim's null utilisation models), so the bookings
    /// made at creation are released, and every host's derived state is stored afresh. Under reserved memory the RAM
    /// stays booked: from now on it is derived from the host's list (see <see cref="StoreDerived"/>).
    /// </summary>
    public void EndInitialPlacement()
    {
        PlacingInitially = false;
        _requestEpoch++;
        for (var h = 0; h < HostCount; h++)
        {
            _ramFree[h] = _reserveMemory ? _ramFree[h] : _fleet.RamMiB(h);
            _bandwidthFree[h] = _fleet.BandwidthMbps(h);
            Recompute(h);
        }
    }

    /// <summary>
    /// PowerHost.isSuitableForVm: core size and MIPS left; RAM and bandwidth only while the VM is created (RAM always
    /// under reserved memory).
    /// </summary>
    public bool IsSuitable(int host, int vm)
    {
        var requested = _vms.Requested(vm);
        if (_fleet.PeMips(host) < requested / _vms[vm].Cores || _available[host] < requested)
        {
            return false;
        }

        if (_vms[vm].Instantiating)
        {
            return _ramFree[host] >= _vms[vm].Ram && _bandwidthFree[host] >= _vms.BandwidthMbps(vm);
        }

        return !_reserveMemory || _ramFree[host] >= _vms[vm].Ram;
    }

    /// <summary>Host.vmCreate: books the VM's resources and appends it to the host's list.</summary>
    public void Create(int host, int vm)
    {
        if (_vms[vm].Instantiating)
        {
            _ramFree[host] -= _vms[vm].Ram;
            _bandwidthFree[host] -= _vms.BandwidthMbps(vm);
        }

        _hostVms[host].Add(vm);
        _vms[vm].Host = host;
        if (!AppendDerived(host, vm))
        {
            Recompute(host, created: true);
        }
    }

    /// <summary>Host.vmDestroy (while planning): the VM leaves the host's list; it keeps its host of record.</summary>
    public void Destroy(int host, int vm)
    {
        _hostVms[host].Remove(vm);
        Recompute(host);
    }

    /// <summary>
    /// restoreAllocation for one host: its VMs migrating in, then the VMs it had when planning first changed it. With
    /// <paramref name="recompute"/> false the derived state is left stale: the host is about to be processed.
    /// </summary>
    public void Restore(int host, List<int> saved, bool recompute)
    {
        var list = _hostVms[host];
        InvalidateDerived(host);
        list.Clear();
        list.AddRange(_migratingIn[host]);
        foreach (var v in saved)
        {
            if (!_migratingIn[host].Contains(v))
            {
                list.Add(v);
                _vms[v].Host = host;
            }
        }

        if (recompute)
        {
            Recompute(host);
        }
    }

    /// <summary>
    /// Host.addMigratingInVm: the VM is in migration and joins the target's list as migrating in. Both hosts must be
    /// processed at this time afterwards (the caller does; CloudSim processes them at once, migration by migration,
    /// which ends in the same state: a host's processing depends only on its own list and its VMs' flags, every entry
    /// recorded at the same time replaces the one before, and the utilisation it leaves as "previous" is overwritten
    /// before any energy is integrated from it).
    /// </summary>
    public void StartMigration(int vm, int target)
    {
        _vms[vm].InMigration = true;
        InvalidateDerived(target);
        if (_vms[vm].Host >= 0)
        {
            InvalidateDerived(_vms[vm].Host);
        }

        if (!_migratingIn[target].Contains(vm))
        {
            _migratingIn[target].Add(vm);
            _hostVms[target].Add(vm);
        }
    }

    /// <summary>
    /// Datacenter.processVmMigrate: the VM leaves its source, stops migrating in, and is created on the target (at the
    /// end of its list). CloudSim refreshes both hosts here; the caller processes them right after every migration
    /// finishing at this time, which refreshes the same derived state.
    /// </summary>
    public void FinishMigration(int vm, int target)
    {
        var source = _vms[vm].Host;
        if (source >= 0)
        {
            _hostVms[source].Remove(vm);
            InvalidateDerived(source);
        }

        InvalidateDerived(target);
        _migratingIn[target].Remove(vm);
        _hostVms[target].Remove(vm);
        _vms[vm].InMigration = false;
        _hostVms[target].Add(vm);
        _vms[vm].Host = target;
    }

    /// <summary>Whether <see cref="RemoveCompletedVms"/> would remove anything from the host.</summary>
    public bool HasCompletedVm(int host)
    {
        foreach (var v in _hostVms[host])
        {
            if (IsCompleted(v))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// HostDynamicWorkload.getCompletedVms: a VM requesting exactly 0 MIPS at a processing point has finished and
    /// leaves for good (CloudSim's memory accounting only; under <see cref="MemoryAccounting.Reserved"/> VMs run to the
    /// end). Removing a VM changes only that VM and its host.
    /// </summary>
    public void RemoveCompletedVms(int host)
    {
        var vms = _hostVms[host];
        for (var i = vms.Count - 1; i >= 0; i--)
        {
            var v = vms[i];
            if (IsCompleted(v))
            {
                _vms[v].Removed = true;
                var owner = _vms[v].Host;
                if (owner >= 0)
                {
                    _hostVms[owner].Remove(v);
                    Recompute(owner);
                }

                _vms[v].Host = -1;
            }
        }
    }

    /// <summary>getVmsToMigrateFromUnderUtilizedHost's guard: every VM migrating out, or one migrating in (or none at all).</summary>
    public bool AllMigratingOutOrAnyMigratingIn(int host)
    {
        foreach (var v in _hostVms[host])
        {
            if (!_vms[v].InMigration)
            {
                return false;
            }

            if (IsMigratingIn(host, v))
            {
                return true;
            }
        }

        return true;
    }

    // Under reserved memory a VM idle at 0 MIPS still holds its RAM, as a real one does: it runs to the end of the trace,
    // as under Sandpiper, so both compare the same VMs all day.
    private bool IsCompleted(int v) => !_reserveMemory && !_vms[v].InMigration && _vms[v].Requested == 0 && !_vms[v].Instantiating && !_vms[v].Removed;

    /// <summary>
    /// Refreshes the derived state of one host after its VM list or its VMs' requests changed (<paramref name="created"/>:
    /// a VM was just appended, the change the test-only faults of appends leave half done).
    /// </summary>
    public void Recompute(int host, bool created = false)
    {
        var vms = _hostVms[host];
        Span<double> allocated = vms.Count <= 64 ? stackalloc double[vms.Count] : new double[vms.Count];
        var fits = Allocate(host, allocated, out var available);
        StoreDerived(host, allocated, available, fits, created);
    }

    /// <summary>
    /// Allocates MIPS to every VM on the host in list order (see the class remarks) into <paramref name="allocated"/>;
    /// true when every VM's booking fitted (no scaling).
    /// </summary>
    private bool Allocate(int host, Span<double> allocated, out double available)
    {
        var vms = CollectionsMarshal.AsSpan(_hostVms[host]);
        var slots = _vms.Slots;
        var migratingIn = _migratingIn[host];
        var anyMigratingIn = migratingIn.Count > 0;
        var total = _fleet.TotalMips(host);
        var pe = _fleet.PeMips(host);
        available = total;
        var fits = true;
        double required = 0;

        // First pass: each VM's capped request, kept in allocated[] for the second.
        for (var i = 0; i < vms.Length; i++)
        {
            var v = vms[i];
            var capped = slots[v].CappedAt(pe);
            allocated[i] = capped;
            var booked = anyMigratingIn && migratingIn.Contains(v) ? capped * MigratingInShare : capped;
            required += booked;
            if (fits && available >= booked)
            {
                available -= booked;
            }
            else
            {
                fits = false;
            }
        }

        if (fits)
        {
            for (var i = 0; i < vms.Length; i++)
            {
                var v = vms[i];
                var capped = allocated[i];
                allocated[i] = anyMigratingIn && migratingIn.Contains(v) ? capped * MigratingInShare
                    : slots[v].InMigration ? capped * MigratingOutShare : capped;
            }

            return true;
        }

        var scale = total / required;
        for (var i = 0; i < vms.Length; i++)
        {
            var v = vms[i];
            var capped = allocated[i];
            allocated[i] = anyMigratingIn && migratingIn.Contains(v) ? Math.Floor(capped * MigratingInShare * scale)
                : slots[v].InMigration ? Math.Floor(capped * scale * MigratingOutShare)
                : Math.Floor(capped * scale);
        }

        available = 0;
        return false;
    }

    /// <summary>The host's derived state no longer matches its list or its VMs' flags until it is next stored.</summary>
    private void InvalidateDerived(int host) => _derivedEpoch[host] = -1;

    private void StoreDerived(int host, ReadOnlySpan<double> allocated, double available, bool fits, bool created)
    {
        _available[host] = available;
        _derivedFits[host] = fits;
        _derivedEpoch[host] = _requestEpoch;
        (_allocatedForPlacement[host], _requestedMips[host], _maxRam[host], _ramBooked[host]) = Sums(host, allocated);
        if (_reserveMemory && !PlacingInitially)
        {
            // Every VM in the list holds its RAM, a VM migrating in included (it is booked on both hosts until it lands).
            _ramFree[host] = (int)Math.Max(int.MinValue, _fleet.RamMiB(host) - _ramBooked[host]);
        }

        _historyDirty[host] = _historyDirty[host] || !created || _fault != PowerDataCenterFault.HostHistoryMissesAppends;
        if (!created || _fault != PowerDataCenterFault.ScreenKeyMissesAppends)
        {
            Screen.Invalidate(host);
        }

        _observer?.HostChanged(host);
    }

    /// <summary>
    /// The derived state after <paramref name="vm"/> was appended to the host's list, extended in place instead of
    /// recomputed, where that gives the same bits: the state was stored in this request epoch from the list without the
    /// VM (so no request or flag it was computed from has changed), everything fitted, and the VM fits too. Then every
    /// sum of <see cref="Allocate"/> and <see cref="Sums"/> just takes one more term at its end. False when it cannot
    /// (the caller recomputes). At 20,000 hosts this halves the time spent creating VMs while planning
    /// (docs/experiments/simulator-performance.md).
    /// </summary>
    private bool AppendDerived(int host, int vm)
    {
        if (!_derivedFits[host] || _derivedEpoch[host] != _requestEpoch)
        {
            return false;
        }

        var capped = _vms.Capped(vm, _fleet.PeMips(host));
        var migratingIn = IsMigratingIn(host, vm);
        var booked = migratingIn ? capped * MigratingInShare : capped;
        if (!(_available[host] >= booked))
        {
            return false;
        }

        var allocated = migratingIn ? booked : _vms[vm].InMigration ? capped * MigratingOutShare : capped;
        _available[host] -= booked;
        var forPlacement = _allocatedForPlacement[host] + allocated;
        if (migratingIn)
        {
            forPlacement += allocated * MigratingOutShare / MigratingInShare;
        }

        _allocatedForPlacement[host] = forPlacement;
        _requestedMips[host] += PlacingInitially ? 0 : _vms.Requested(vm);
        _maxRam[host] = Math.Max(_maxRam[host], _vms[vm].Ram);
        _ramBooked[host] += _vms[vm].Ram;
        if (_reserveMemory && !PlacingInitially)
        {
            _ramFree[host] = (int)Math.Max(int.MinValue, _fleet.RamMiB(host) - _ramBooked[host]);
        }

        _historyDirty[host] = _historyDirty[host] || _fault != PowerDataCenterFault.HostHistoryMissesAppends;
        if (_fault != PowerDataCenterFault.ScreenKeyMissesAppends)
        {
            Screen.OnVmAppended(host, vm);
        }

        AssertDerivedCurrent(host);
        _observer?.HostChanged(host);
        return true;
    }

    /// <summary>Debug builds: the derived state extended in place is what recomputing it gives, bit for bit.</summary>
    [Conditional("DEBUG")]
    private void AssertDerivedCurrent(int host)
    {
        var allocated = new double[_hostVms[host].Count];
        Allocate(host, allocated, out var available);
        var (forPlacement, requested, maxRam, ramBooked) = Sums(host, allocated);
        Debug.Assert(
            (available, forPlacement, requested, maxRam, ramBooked) == (_available[host], _allocatedForPlacement[host], _requestedMips[host], _maxRam[host], _ramBooked[host]),
            $"host {host}: derived state appended in place differs from recomputing it");
    }

    /// <summary>What placement counts as allocated, the VMs' requests, their largest RAM and their total RAM, from the allocation.</summary>
    private (double ForPlacement, double Requested, int MaxRam, long RamBooked) Sums(int host, ReadOnlySpan<double> allocated)
    {
        var vms = CollectionsMarshal.AsSpan(_hostVms[host]);
        var slots = _vms.Slots;
        var migratingIn = _migratingIn[host];
        var anyMigratingIn = migratingIn.Count > 0;
        var placing = PlacingInitially;
        double forPlacement = 0;
        double requested = 0;
        var maxRam = int.MinValue;
        var ramBooked = 0L;
        for (var i = 0; i < vms.Length; i++)
        {
            var v = vms[i];
            ref readonly var slot = ref slots[v];

            // PowerVmAllocationPolicyMigrationAbstract.getUtilizationOfCpuMips counts a VM migrating in at its full share.
            forPlacement += allocated[i];
            if (anyMigratingIn && migratingIn.Contains(v))
            {
                forPlacement += allocated[i] * MigratingOutShare / MigratingInShare;
            }

            // While VMs are being created, those already created request nothing yet (their cloudlets arrive at 0.1 s),
            // though the scheduler keeps their full-size booking.
            requested += placing ? 0 : slot.Request;
            maxRam = Math.Max(maxRam, slot.Ram);
            ramBooked += slot.Ram;
        }

        return (forPlacement, requested, maxRam, ramBooked);
    }
}
