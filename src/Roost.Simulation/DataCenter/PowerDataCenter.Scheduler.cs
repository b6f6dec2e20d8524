using System.Runtime.Intrinsics;

namespace Roost.Simulation.DataCenter;

/// <summary>The per-host CPU scheduler (VmSchedulerTimeSharedOverSubscription) and host-level processing.</summary>
internal sealed partial class PowerDataCenter
{
    private const double MigratingOutShare = 0.9;
    private const double MigratingInShare = 0.1;

    // The count is checked first: most hosts have no VM migrating in, and it spares reading their list.
    private bool IsMigratingIn(int host, int vm) => _migratingInCount[host] > 0 && _hostMigratingIn[host].Contains(vm);

    /// <summary>MIPS a VM asks for now; a VM being created asks for its full size.</summary>
    private double Requested(int vm) => _vm[vm].Instantiating ? _vm[vm].Mips : _vm[vm].Requested;

    /// <summary>
    /// Allocates MIPS to every VM on <paramref name="host"/> in list order, as the over-subscription scheduler does:
    /// requests are capped at one core; a VM migrating in books 10 % of its request; if everything fits each VM gets
    /// its (capped) request, 90 % for one migrating out; otherwise all are scaled by capacity / demand and floored.
    /// Writes each VM's allocation into <paramref name="allocated"/> (same order as the host's list).
    /// </summary>
    private bool Allocate(int host, Span<double> allocated, out double available)
    {
        var vms = _hostVms[host];
        var total = _hostTotalMips[host];
        var pe = _hostPeMips[host];
        available = total;
        var fits = true;
        double required = 0;
        for (var i = 0; i < vms.Count; i++)
        {
            var v = vms[i];
            var capped = Capped(v, pe);
            var booked = IsMigratingIn(host, v) ? capped * MigratingInShare : capped;
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
            for (var i = 0; i < vms.Count; i++)
            {
                var v = vms[i];
                var capped = Capped(v, pe);
                allocated[i] = IsMigratingIn(host, v) ? capped * MigratingInShare
                    : _vm[v].InMigration ? capped * MigratingOutShare : capped;
            }

            return true;
        }

        var scale = total / required;
        for (var i = 0; i < vms.Count; i++)
        {
            var v = vms[i];
            var capped = Capped(v, pe);
            allocated[i] = IsMigratingIn(host, v) ? Math.Floor(capped * MigratingInShare * scale)
                : _vm[v].InMigration ? Math.Floor(capped * scale * MigratingOutShare)
                : Math.Floor(capped * scale);
        }

        available = 0;
        return false;
    }

    /// <summary>Refreshes the derived state of one host after its VM list or its VMs' requests changed.</summary>
    private void Recompute(int host)
    {
        var vms = _hostVms[host];
        Span<double> allocated = vms.Count <= 64 ? stackalloc double[vms.Count] : new double[vms.Count];
        var fits = Allocate(host, allocated, out var available);
        StoreDerived(host, allocated, available, fits);
    }

    /// <summary>
    /// The derived state after <paramref name="vm"/> was appended to the host's list, updated in place instead of
    /// recomputed, where that gives the same bits: the state was stored in this request epoch from the list without
    /// the VM (so no request or flag it was computed from has changed), everything fitted, and the VM fits too. Then
    /// every sum of <see cref="Allocate"/> and <see cref="StoreDerived"/> just takes one more term at its end, and so
    /// does the screen key's. False when it cannot (the caller recomputes).
    /// </summary>
    private bool AppendDerived(int host, int vm)
    {
        if (!_appendInPlace || !_derivedFits[host] || _derivedEpoch[host] != _requestEpoch)
        {
            return false;
        }

        var capped = Capped(vm, _hostPeMips[host]);
        var migratingIn = IsMigratingIn(host, vm);
        var booked = migratingIn ? capped * MigratingInShare : capped;
        if (!(_availableMips[host] >= booked))
        {
            return false;
        }

        var allocated = migratingIn ? capped * MigratingInShare : _vm[vm].InMigration ? capped * MigratingOutShare : capped;
        _availableMips[host] -= booked;
        var forPlacement = _allocatedForPlacement[host] + allocated;
        if (_migratingInCount[host] > 0 && migratingIn)
        {
            forPlacement += allocated * MigratingOutShare / MigratingInShare;
        }

        _allocatedForPlacement[host] = forPlacement;
        _requestedMips[host] += _placingInitially ? 0 : Requested(vm);
        _hostMaxRam[host] = Math.Max(_hostMaxRam[host], _vm[vm].Ram);
        _historyDirty[host] = _historyDirty[host] || _fault != PowerDataCenterFault.HostHistoryMissesAppends;
        if (_fault != PowerDataCenterFault.ScreenKeyMissesAppends)
        {
            AppendToScreenKey(host, vm);
        }

        OnSearchHostChanged(host);

        return true;
    }

    /// <summary>The host's derived state no longer matches its list or its VMs' flags until it is next recomputed.</summary>
    private void InvalidateDerived(int host) => _derivedEpoch[host] = -1;

    private void StoreDerived(int host, ReadOnlySpan<double> allocated, double available, bool fits)
    {
        var vms = _hostVms[host];
        _availableMips[host] = available;
        double forPlacement = 0;
        double requested = 0;
        var maxRam = int.MinValue;
        var anyMigratingIn = _migratingInCount[host] > 0;
        for (var i = 0; i < vms.Count; i++)
        {
            var v = vms[i];

            // PowerVmAllocationPolicyMigrationAbstract.getUtilizationOfCpuMips counts a VM migrating in at its full share.
            forPlacement += allocated[i];
            if (anyMigratingIn && IsMigratingIn(host, v))
            {
                forPlacement += allocated[i] * MigratingOutShare / MigratingInShare;
            }

            // While VMs are being created, those already created request nothing yet (their cloudlets arrive at 0.1 s),
            // though the scheduler keeps their full-size booking.
            requested += _placingInitially ? 0 : Requested(v);
            maxRam = Math.Max(maxRam, _vm[v].Ram);
        }

        _allocatedForPlacement[host] = forPlacement;
        _requestedMips[host] = requested;
        _hostMaxRam[host] = maxRam;
        _derivedFits[host] = fits;
        _derivedEpoch[host] = _requestEpoch;
        _historyDirty[host] = true;
        _screenKeyStale[host] = true;
        OnSearchHostChanged(host);
    }

    /// <summary>A VM's utilisation history, most recent first (entries beyond its count are zero).</summary>
    private ReadOnlySpan<double> VmHistory(int vm) => _vmHistory.AsSpan(vm * HistoryStride, HistoryLength);

    /// <summary>The host's utilisation history (PowerHostUtilizationHistory): its VMs' histories weighted by MIPS.</summary>
    private ReadOnlySpan<double> HostHistory(int host)
    {
        var history = _hostHistory.AsSpan(host * HistoryStride, HistoryStride);
        if (_historyDirty[host])
        {
            SumHostHistory(host, history);
            _historyDirty[host] = false;
        }

        return history[..HistoryLength];
    }

    /// <summary>
    /// Σ over the host's VMs, in list order, of history[j] · MIPS / host MIPS. The vector form adds the same products
    /// in the same order; its extra lanes (beyond a VM's count) add +0, which changes no sum of non-negative terms.
    /// </summary>
    private void SumHostHistory(int host, Span<double> history)
    {
        history.Clear();
        var total = _hostTotalMips[host];
        if (Vector512.IsHardwareAccelerated)
        {
            var totals = Vector512.Create(total);
            var sum0 = Vector512<double>.Zero;
            var sum1 = Vector512<double>.Zero;
            var sum2 = Vector512<double>.Zero;
            var sum3 = Vector512<double>.Zero;
            foreach (var vm in _hostVms[host])
            {
                var vmHistory = _vmHistory.AsSpan(vm * HistoryStride, HistoryStride);
                var mips = Vector512.Create(_vm[vm].Mips);
                sum0 += Vector512.Create(vmHistory[..8]) * mips / totals;
                sum1 += Vector512.Create(vmHistory.Slice(8, 8)) * mips / totals;
                sum2 += Vector512.Create(vmHistory.Slice(16, 8)) * mips / totals;
                sum3 += Vector512.Create(vmHistory.Slice(24, 8)) * mips / totals;
            }

            sum0.CopyTo(history);
            sum1.CopyTo(history[8..]);
            sum2.CopyTo(history[16..]);
            sum3.CopyTo(history[24..]);
            return;
        }

        foreach (var vm in _hostVms[host])
        {
            var vmHistory = VmHistory(vm);
            var count = _vmHistoryCount[vm];
            var mips = _vm[vm].Mips;
            for (var j = 0; j < count; j++)
            {
                history[j] += vmHistory[j] * mips / total;
            }
        }
    }

    /// <summary>
    /// HostDynamicWorkload.updateVmsProcessing: re-allocate, compute utilisation, record host and VM states (with logs,
    /// their contributions to the SLA totals are logged instead of added: see <see cref="ContributionLog"/>).
    /// </summary>
    private void UpdateHost(int host, double time, ContributionLog? hostLog = null, ContributionLog? vmLog = null)
    {
        var vms = _hostVms[host];
        if (vms.Count == 0 && _utilizationMips[host] == 0 && _hostStates.IsIdle(host))
        {
            // An empty host that was idle stays idle: recording another idle entry would change no metric.
            _previousUtilizationMips[host] = 0;
            return;
        }

        Span<double> allocated = vms.Count <= 64 ? stackalloc double[vms.Count] : new double[vms.Count];
        var fits = Allocate(host, allocated, out var available);
        _previousUtilizationMips[host] = _utilizationMips[host];
        double utilization = 0;
        double requested = 0;
        for (var i = 0; i < vms.Count; i++)
        {
            var v = vms[i];
            var vmAllocated = allocated[i];
            var vmRequested = Requested(v);
            if (!IsMigratingIn(host, v))
            {
                _vmStates.Record(ref _vm[v].State, time, vmAllocated, vmRequested, _vm[v].InMigration, vmLog);
                if (_vm[v].InMigration)
                {
                    vmAllocated /= MigratingOutShare;
                }
            }

            utilization += vmAllocated;
            requested += vmRequested;
        }

        _utilizationMips[host] = utilization;
        _hostStates.Record(host, time, utilization, requested, utilization > 0, hostLog);
        StoreDerived(host, allocated, available, fits);
    }

    /// <summary>Saves a host's VM list the first time planning changes it.</summary>
    private void Touch(int host)
    {
        if (_placingInitially)
        {
            return;
        }

        if (_isTouched.Length == 0)
        {
            _isTouched = new bool[_hostCount];
            _savedVms = new List<int>?[_hostCount];
        }

        if (!_isTouched[host])
        {
            _isTouched[host] = true;
            _touchedHosts.Add(host);
            var saved = _savedVms[host] ??= new List<int>(4);
            saved.Clear();
            saved.AddRange(_hostVms[host]);
        }
    }

    /// <summary>Host power at a utilisation, through the SPECpower table directly where the host has one.</summary>
    private double Watts(int host, double utilization)
    {
        var table = _hostWattTable[host];
        if (table is null)
        {
            return _hostPower[host].PowerWatts(utilization);
        }

        return table.Watts(utilization);
    }

    /// <summary>A VM's request with each virtual core capped at one physical core's MIPS.</summary>
    private double Capped(int vm, double peMips)
    {
        var cores = _vm[vm].Cores;
        return cores == 1 ? Math.Min(Requested(vm), peMips) : Math.Min(Requested(vm) / cores, peMips) * cores;
    }

    private bool IsSuitable(int host, int vm)
    {
        var requested = Requested(vm);
        if (_hostPeMips[host] < requested / _vm[vm].Cores || _availableMips[host] < requested)
        {
            return false;
        }

        // RAM and bandwidth are requested only while a VM is being created (CloudSim's utilisation models for them
        // are null afterwards), so they constrain the initial placement alone.
        return !_vm[vm].Instantiating || (_ramFree[host] >= _vm[vm].Ram && _bandwidthFree[host] >= _vmBandwidthMbps[vm]);
    }

    /// <summary>Host.vmCreate: book the VM's resources and append it to the host's list.</summary>
    private void CreateVm(int host, int vm)
    {
        Touch(host);
        if (_vm[vm].Instantiating)
        {
            _ramFree[host] -= _vm[vm].Ram;
            _bandwidthFree[host] -= _vmBandwidthMbps[vm];
        }

        if (!_placingInitially)
        {
            _movedVms.TryAdd(vm, _vm[vm].Host);
        }

        _hostVms[host].Add(vm);
        _vm[vm].Host = host;
        if (!AppendDerived(host, vm))
        {
            Recompute(host);
        }

        MarkCandidate(host);
    }

    private void DestroyVm(int host, int vm)
    {
        Touch(host);
        _hostVms[host].Remove(vm);
        Recompute(host);
        MarkPossiblyPristine(host);
    }

    /// <summary>
    /// Host.addMigratingInVm; both hosts are marked to re-process at the current time. CloudSim re-processes them at
    /// once, migration by migration; processing each once after the last migration has started ends in the same state,
    /// since a host's processing depends only on its own list and its VMs' flags, every entry recorded at the same time
    /// replaces the one before, and the utilisation it leaves as "previous" is overwritten before any energy is
    /// integrated from it.
    /// </summary>
    private void StartMigration(int vm, int target)
    {
        var source = _vm[vm].Host;
        _vm[vm].InMigration = true;
        InvalidateDerived(target);
        if (source >= 0)
        {
            InvalidateDerived(source);
        }

        if (!_hostMigratingIn[target].Contains(vm))
        {
            _hostMigratingIn[target].Add(vm);
            _migratingInCount[target]++;
            _hostVms[target].Add(vm);
            MarkChanged(target);
            if (source >= 0)
            {
                MarkChanged(source);
            }
        }
    }

    /// <summary>Datacenter.processVmMigrate: leave the source, stop migrating in, and be created on the target.</summary>
    /// <remarks>
    /// CloudSim refreshes both hosts here; the caller has marked them changed and processes them right after every
    /// migration finishing at this time, which refreshes the same derived state (<see cref="UpdateChangedHosts(double, bool)"/>).
    /// </remarks>
    private void FinishMigration(int vm, int target)
    {
        var source = _vm[vm].Host;
        if (source >= 0)
        {
            _hostVms[source].Remove(vm);
            InvalidateDerived(source);
        }

        InvalidateDerived(target);
        if (_hostMigratingIn[target].Remove(vm))
        {
            _migratingInCount[target]--;
        }

        _hostVms[target].Remove(vm);
        _vm[vm].InMigration = false;
        _hostVms[target].Add(vm);
        _vm[vm].Host = target;
    }

    private double HostUtilizationAtLastUpdate(int host)
    {
        var utilization = _utilizationMips[host] / _hostTotalMips[host];
        return utilization is > 1 and < 1.01 ? 1 : utilization;
    }
}
