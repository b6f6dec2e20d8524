namespace Roost.Simulation.DataCenter;

/// <summary>A host's processing at a processing point, and its utilisation history.</summary>
internal sealed partial class HostAllocation
{
    /// <summary>
    /// HostDynamicWorkload.updateVmsProcessing: re-allocate, compute utilisation, record host and VM states (with logs,
    /// their contributions to the SLA totals are logged instead of added: see <see cref="ContributionLog"/>). A VM
    /// migrating in is recorded by its source only, so hosts may be processed on several cores at once.
    /// </summary>
    public void Process(int host, double time, StateAccumulator hostStates, VmStateAccumulator vmStates, ContributionLog? hostLog = null, ContributionLog? vmLog = null)
    {
        ArgumentNullException.ThrowIfNull(hostStates);
        ArgumentNullException.ThrowIfNull(vmStates);
        var vms = _hostVms[host];
        if (vms.Count == 0 && _utilizationMips[host] == 0 && hostStates.IsIdle(host))
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
        var slots = _vms.Slots;
        var migratingIn = _migratingIn[host];
        var anyMigratingIn = migratingIn.Count > 0;
        for (var i = 0; i < vms.Count; i++)
        {
            var v = vms[i];
            ref var slot = ref slots[v];
            var vmAllocated = allocated[i];
            var vmRequested = slot.Request;
            if (!(anyMigratingIn && migratingIn.Contains(v)))
            {
                vmStates.Record(ref slot.State, time, vmAllocated, vmRequested, slot.InMigration, vmLog);
                if (slot.InMigration)
                {
                    vmAllocated /= MigratingOutShare;
                }
            }

            utilization += vmAllocated;
            requested += vmRequested;
        }

        _utilizationMips[host] = utilization;
        hostStates.Record(host, time, utilization, requested, utilization > 0, hostLog);
        StoreDerived(host, allocated, available, fits, created: false);
    }

    /// <summary>
    /// A processing point completes at the time of the last one (a migration-completion time): every host's current
    /// utilisation becomes its previous one, as processing it again would leave it.
    /// </summary>
    public void KeepUtilizations() => Array.Copy(_utilizationMips, _previousUtilizationMips, _utilizationMips.Length);

    /// <summary>The host's utilisation history (PowerHostUtilizationHistory), most recent first; summed when read after a change.</summary>
    public ReadOnlySpan<double> History(int host)
    {
        var history = _history.AsSpan(host * VmTable.HistoryStride, VmTable.HistoryStride);
        if (_historyDirty[host])
        {
            HostHistorySum.Sum(VmsOf(host), _vms, _fleet.TotalMips(host), history);
            _historyDirty[host] = false;
        }

        return history[..VmTable.HistoryLength];
    }
}
