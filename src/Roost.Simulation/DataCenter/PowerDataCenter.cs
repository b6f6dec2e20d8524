using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A discrete-event model of a power-aware data center that follows CloudSim 3.0.3's power package step for step
/// (PowerDatacenter, PowerHost, VmSchedulerTimeSharedOverSubscription, PowerVm), so that the baselines of
/// Beloglazov &amp; Buyya 2012 give CloudSim's figures. docs/baselines.md lists every CloudSim behaviour kept here,
/// quirks included; docs/architecture.md shows how the parts fit. One instance runs one simulation.
/// </summary>
/// <remarks>
/// Events: VMs are placed at t = 0; the first processing step is at 300.1 s (cloudlets arrive at 0.1 s and the
/// datacenter ticks every interval after that); migrations started at a step complete RAM / (BW / 2) later, and each
/// completion time is a processing point of its own (energy is integrated piecewise-linearly between points). This
/// class owns the clock, the energy and SLA totals and the processing of hosts; the <see cref="HostAllocation"/> owns
/// which VM runs where and everything derived from it; the <see cref="ConsolidationPlanner"/> decides placements.
/// </remarks>
internal sealed class PowerDataCenter
{
    private const double FirstTickOffset = 0.1;
    private const int ParallelVmThreshold = 8192;

    private readonly ConsolidationPolicy _policy;
    private readonly double _interval;
    private readonly double _limit;
    private readonly int _parallelHostThreshold;
    private readonly Fleet _fleet;
    private readonly VmTable _vms;
    private readonly HostAllocation _hosts;
    private readonly ConsolidationPlanner _planner;
    private readonly DataCenterSetup _setup;
    private readonly Workload _workload;

    // Metrics.
    private readonly StateAccumulator _hostStates;
    private readonly VmStateAccumulator _vmStates = new();
    private readonly List<double> _activeTimes = [];
    private readonly List<double> _activeCounts = [];
    private double _energyWattSeconds;
    private double _lastProcessTime;
    private int _migrations;
    private double _memoryOvercommitHostSeconds;

    // Hosts to process again at the current time (the two hosts of every migration started or finished), by flag.
    private readonly List<int> _changedHosts = [];
    private readonly bool[] _isChanged;
    private (double Time, int Order)[] _completionKeys = [];

    // Where hosts are processed on every core: each core's energy per host, hosts holding a finished VM, and the log
    // of what its records add to the SLA totals (replayed core by core afterwards, the serial order).
    private readonly double[] _hostEnergy;
    private readonly bool[] _hasCompletedVm;
    private readonly (ContributionLog Hosts, ContributionLog Vms)[] _partLogs;

    public PowerDataCenter(Workload workload, DataCenterSetup setup, ConsolidationPolicy policy, PowerDataCenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(policy);
        options ??= PowerDataCenterOptions.Default;
        _policy = policy;
        _interval = setup.SchedulingInterval.TotalSeconds;
        _limit = setup.Duration.TotalSeconds;
        _parallelHostThreshold = options.ParallelHostThreshold;
        _fleet = new Fleet(setup);
        _vms = new VmTable(workload, setup);
        _hosts = new HostAllocation(_fleet, _vms, policy.Detector, options, setup.Memory);
        _setup = setup;
        _workload = workload;
        _planner = new ConsolidationPlanner(_fleet, _vms, _hosts, policy, new Random(setup.Seed), options);
        _hostStates = new StateAccumulator(_fleet.HostCount);
        _isChanged = new bool[_fleet.HostCount];
        _hostEnergy = new double[_fleet.HostCount];
        _hasCompletedVm = new bool[_fleet.HostCount];
        _partLogs = new (ContributionLog, ContributionLog)[Environment.ProcessorCount];
        for (var part = 0; part < _partLogs.Length; part++)
        {
            _partLogs[part] = (new ContributionLog(), new ContributionLog());
        }
    }

    /// <summary>Runs the whole simulation and returns its metrics.</summary>
    public SimulationResult Run(string workloadName, IProgress<double>? progress)
    {
        _planner.PlaceInitially(powerAware: _policy.Kind == PolicyKind.DynamicConsolidation);

        // CloudSim: cloudlets are submitted at 0.1 s; the datacenter then ticks every interval from there.
        var tick = FirstTickOffset + _interval;
        var pending = new List<(double Time, int Vm, int Target)>();
        var steps = (int)Math.Max(1, Math.Floor((_limit - FirstTickOffset) / _interval));
        var step = 0;
        while (tick <= _limit)
        {
            ProcessTick(tick, pending);
            CompleteMigrations(pending);
            tick += _interval;
            step++;
            progress?.Report(Math.Min(1.0, (double)step / steps));
        }

        return BuildResult(workloadName);
    }

    private void ProcessTick(double time, List<(double Time, int Vm, int Target)> pending)
    {
        if (_policy.Kind == PolicyKind.NonPowerAware)
        {
            ProcessNonPowerAware(time);
        }
        else
        {
            UpdateAll(time);
        }

        var active = 0;
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            if (_hosts.UtilizationMips(h) > 0)
            {
                active++;
            }
        }

        _activeTimes.Add(time);
        _activeCounts.Add(active);

        if (_policy.Kind != PolicyKind.DynamicConsolidation)
        {
            CountMemoryOvercommit();
            return;
        }

        foreach (var (vm, source, target) in _planner.Plan())
        {
            _hosts.StartMigration(vm, target);
            MarkChanged(target);
            if (source >= 0)
            {
                MarkChanged(source);
            }

            _migrations++;
            pending.Add((time + _fleet.MigrationSeconds(target, _vms[vm].Ram), vm, target));
        }

        // Host.addMigratingInVm processes both hosts at once, migration by migration; processing each once after the
        // last migration has started ends in the same state (HostAllocation.StartMigration).
        UpdateChangedHosts(time, keepPrevious: true);
        CountMemoryOvercommit();
    }

    /// <summary>
    /// Counts, once per tick after the step's migrations have started (so a VM migrating in counts on its target too),
    /// the hosts whose VMs hold more RAM than the host has, for the interval that follows.
    /// </summary>
    private void CountMemoryOvercommit()
    {
        var overcommitted = 0;
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            if (_hosts.RamBooked(h) > _fleet.RamMiB(h))
            {
                overcommitted++;
            }
        }

        _memoryOvercommitHostSeconds += overcommitted * _interval;
    }

    private void ProcessNonPowerAware(double time)
    {
        // PowerDatacenterNonPowerAware: every host at full power for the whole frame.
        var timeDiff = time - _lastProcessTime;
        if (timeDiff <= 0)
        {
            return;
        }

        for (var h = 0; h < _fleet.HostCount; h++)
        {
            _energyWattSeconds += _fleet.Power(h).PowerWatts(1) * timeDiff;
        }

        UpdateRequests(time);
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            _hosts.Process(h, time, _hostStates, _vmStates);
        }

        RemoveCompletedVms(onlyFlagged: false);
        _lastProcessTime = time;
    }

    private void CompleteMigrations(List<(double Time, int Vm, int Target)> pending)
    {
        if (pending.Count == 0)
        {
            return;
        }

        // Events at equal times run in the order they were sent (CloudSim's future queue is FIFO on ties).
        if (_completionKeys.Length < pending.Count)
        {
            _completionKeys = new (double, int)[Math.Max(pending.Count, 2 * _completionKeys.Length)];
        }

        var ordered = _completionKeys.AsSpan(0, pending.Count);
        for (var k = 0; k < ordered.Length; k++)
        {
            ordered[k] = (pending[k].Time, k);
        }

        ordered.Sort();
        var i = 0;
        while (i < ordered.Length)
        {
            var time = ordered[i].Time;
            if (time > _limit)
            {
                break;
            }

            if (time > _lastProcessTime)
            {
                UpdateAll(time);
            }

            while (i < ordered.Length && ordered[i].Time == time)
            {
                var (_, vm, target) = pending[ordered[i].Order];
                var source = _vms[vm].Host;
                if (source >= 0)
                {
                    MarkChanged(source);
                }

                MarkChanged(target);
                _hosts.FinishMigration(vm, target);
                i++;
            }

            // CloudSim updates every host again after the last migration at this time; only these hosts can differ.
            UpdateChangedHosts(time, keepPrevious: false);
        }

        pending.Clear();
    }

    /// <summary>
    /// Re-processes the hosts marked changed at <paramref name="time"/>, in host order. Without
    /// <paramref name="keepPrevious"/> this stands for the full update CloudSim makes at a migration-completion time,
    /// restricted to what can differ from the update just made at the same time: requests are unchanged and no time
    /// passes (no energy; every state entry is replaced by an equal one), so only the hosts of the finished
    /// migrations are processed again, every other host just takes its current utilisation as its previous one, and
    /// only VMs that just stopped migrating can newly count as finished. With <paramref name="keepPrevious"/> (after
    /// migrations start) the other hosts keep their previous utilisation.
    /// </summary>
    private void UpdateChangedHosts(double time, bool keepPrevious)
    {
        if (!keepPrevious)
        {
            _hosts.KeepUtilizations();
        }

        _changedHosts.Sort();
        if (_changedHosts.Count >= _parallelHostThreshold / 4)
        {
            ProcessInParallel(_changedHosts, time);
        }
        else
        {
            foreach (var h in _changedHosts)
            {
                _hosts.Process(h, time, _hostStates, _vmStates);
            }
        }

        if (!keepPrevious)
        {
            // A host left empty may have taken the idle shortcut of processing, which keeps its derived state: refresh
            // it (FinishMigration leaves that to this method).
            foreach (var h in _changedHosts)
            {
                if (_hosts.VmsOf(h).IsEmpty)
                {
                    _hosts.Recompute(h);
                }
            }

            foreach (var h in _changedHosts)
            {
                _hosts.RemoveCompletedVms(h);
            }

            _lastProcessTime = time;
        }

        foreach (var h in _changedHosts)
        {
            _isChanged[h] = false;
        }

        _changedHosts.Clear();
    }

    private void MarkChanged(int host)
    {
        if (!_isChanged[host])
        {
            _isChanged[host] = true;
            _changedHosts.Add(host);
        }
    }

    /// <summary>PowerDatacenter.updateCloudetProcessingWithoutSchedulingFutureEventsForce.</summary>
    private void UpdateAll(double time)
    {
        var timeDiff = time - _lastProcessTime;
        UpdateRequests(time);
        var parallel = _fleet.HostCount >= _parallelHostThreshold;
        if (parallel)
        {
            ProcessAllInParallel(time, timeDiff);
        }
        else
        {
            for (var h = 0; h < _fleet.HostCount; h++)
            {
                _hosts.Process(h, time, _hostStates, _vmStates);
            }

            if (timeDiff > 0)
            {
                for (var h = 0; h < _fleet.HostCount; h++)
                {
                    _energyWattSeconds += HostEnergy(h, timeDiff);
                }
            }
        }

        RemoveCompletedVms(onlyFlagged: parallel);
        _lastProcessTime = time;
    }

    /// <summary>
    /// The host loop of <see cref="UpdateAll"/> on every core: each host writes only its own entries and its VMs'
    /// (a VM is recorded by one host: a VM migrating in is recorded by its source), and what those records add to the
    /// SLA totals is logged per core and added afterwards in the serial order, so every figure is the same bit for
    /// bit. Each core also notes its hosts that hold a finished VM, for <see cref="RemoveCompletedVms"/>.
    /// </summary>
    private void ProcessAllInParallel(double time, double timeDiff)
    {
        Cores.InParts(_fleet.HostCount, (from, to, part) =>
        {
            var (hostLog, vmLog) = _partLogs[part];
            for (var h = from; h < to; h++)
            {
                _hosts.Process(h, time, _hostStates, _vmStates, hostLog, vmLog);
                _hostEnergy[h] = timeDiff > 0 ? HostEnergy(h, timeDiff) : 0;
                _hasCompletedVm[h] = _hosts.HasCompletedVm(h);
            }
        });
        ReplayPartLogs();
        if (timeDiff > 0)
        {
            for (var h = 0; h < _fleet.HostCount; h++)
            {
                _energyWattSeconds += _hostEnergy[h];
            }
        }
    }

    /// <summary>The same for a list of hosts in increasing order (no energy: no time passes).</summary>
    private void ProcessInParallel(List<int> hosts, double time)
    {
        Cores.InParts(hosts.Count, (from, to, part) =>
        {
            var (hostLog, vmLog) = _partLogs[part];
            for (var i = from; i < to; i++)
            {
                _hosts.Process(hosts[i], time, _hostStates, _vmStates, hostLog, vmLog);
            }
        });
        ReplayPartLogs();
    }

    /// <summary>
    /// Adds every core's logged contributions, core by core (the order of the serial host loop), and empties the logs
    /// for the next parallel pass.
    /// </summary>
    private void ReplayPartLogs()
    {
        foreach (var (hosts, vms) in _partLogs)
        {
            _hostStates.Replay(hosts);
            _vmStates.Replay(vms);
            hosts.Clear();
            vms.Clear();
        }
    }

    /// <summary>PowerHost.getEnergyLinearInterpolation over the frame; nothing while the host was off.</summary>
    private double HostEnergy(int host, double seconds)
    {
        var total = _fleet.TotalMips(host);
        var from = Clamp(_hosts.PreviousUtilizationMips(host) / total);
        var to = Clamp(_hosts.UtilizationMips(host) / total);
        if (from == 0)
        {
            return 0;
        }

        var fromPower = _fleet.Watts(host, from);
        var toPower = _fleet.Watts(host, to);
        return (fromPower + ((toPower - fromPower) / 2)) * seconds;
    }

    private static double Clamp(double utilization) => utilization > 1 ? 1 : utilization;

    /// <summary>Every running VM reads its demand at <paramref name="time"/> and, on a tick, records it in its history.</summary>
    private void UpdateRequests(double time)
    {
        // Every host's derived state was computed from the old requests (HostAllocation's appends in place).
        _hosts.StartRequestEpoch();

        // PowerVm.updateVmProcessing: history grows only at ticks, where (t − 0.1) mod interval == 0 in floating point.
        var isHistoryTick = (time - FirstTickOffset) % _interval == 0;

        // Each VM touches only its own entries, so large fleets split the VMs over the cores; the result is the same.
        if (_vms.Count < ParallelVmThreshold)
        {
            _vms.UpdateRequests(time, isHistoryTick, 0, _vms.Count, _hosts.Screen);
            return;
        }

        Cores.InParts(_vms.Count, (from, to, _) => _vms.UpdateRequests(time, isHistoryTick, from, to, _hosts.Screen));
    }

    /// <summary>
    /// VMs whose demand is exactly zero are finished and leave the data center, host by host. With
    /// <paramref name="onlyFlagged"/>, only the hosts the parallel processing flagged are visited: removing a VM changes
    /// only that VM and its host, so this removes exactly what the full loop would.
    /// </summary>
    private void RemoveCompletedVms(bool onlyFlagged)
    {
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            if (!onlyFlagged || _hasCompletedVm[h])
            {
                _hosts.RemoveCompletedVms(h);
            }
        }
    }

    /// <summary>VMs that were created but left the data center before the end (their demand fell to exactly 0).</summary>
    private int LeftEarly()
    {
        var removed = 0;
        for (var v = 0; v < _vms.Count; v++)
        {
            removed += _vms[v].Removed ? 1 : 0;
        }

        return removed - _planner.UnplacedVms;
    }

    private SimulationResult BuildResult(string workloadName)
    {
        _hostStates.Close();
        var slatah = _hostStates.ActiveSeconds > 0 ? _hostStates.ViolationSeconds / _hostStates.ActiveSeconds : 0;
        var pdm = _vmStates.RequestedMipsSeconds > 0 ? _vmStates.UnderAllocatedInMigrationMipsSeconds / _vmStates.RequestedMipsSeconds : 0;
        var energyKwh = _energyWattSeconds / (3600 * 1000);
        var slav = slatah * pdm;
        return new SimulationResult(
            _policy.Name,
            workloadName,
            _fleet.HostCount,
            _vms.Count,
            _lastProcessTime,
            energyKwh,
            _migrations,
            slatah * 100,
            pdm * 100,
            slav * 100,
            energyKwh * slav,
            _hostStates.Shutdowns,
            new TimeSeries([.. _activeTimes], [.. _activeCounts]))
        {
            OverloadHostSeconds = _hostStates.ViolationSeconds,
            UnplacedVms = _planner.UnplacedVms,
            Memory = _setup.Memory,
            MemoryOvercommitHostSeconds = _memoryOvercommitHostSeconds,
            Warnings = PlacementWarnings.ForBaseline(_setup, _workload, _planner.Unplaced),
            Notes = PlacementWarnings.LeftEarly(LeftEarly(), _vms.Count),
        };
    }
}
