using Roost.Core.Balancing.Consolidation;
using Roost.Core.Power;
using Roost.Simulation.DataCenter.Search;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A discrete-event model of a power-aware data center that follows CloudSim 3.0.3's power package step for step
/// (PowerDatacenter, PowerHost, VmSchedulerTimeSharedOverSubscription, PowerVm), so that the baselines of
/// Beloglazov &amp; Buyya 2012 give CloudSim's figures. docs/baselines.md lists every CloudSim behaviour kept here,
/// quirks included. Single-threaded; one instance runs one simulation.
/// </summary>
/// <remarks>
/// Events: VMs are placed at t = 0; the first processing step is at 300.1 s (cloudlets arrive at 0.1 s and the
/// datacenter ticks every interval after that); migrations started at a step complete RAM / (BW / 2) later, and each
/// completion time is a processing point of its own (energy is integrated piecewise-linearly between points).
/// </remarks>
internal sealed partial class PowerDataCenter
{
    private const int HistoryLength = 30;

    // Each history occupies a stride of 32 doubles in one flat array (four 512-bit vectors); entries at and beyond a
    // history's count are always zero.
    private const int HistoryStride = 32;
    private const double FirstTickOffset = 0.1;
    private const int ParallelVmThreshold = 8192;

    private readonly ConsolidationPolicy _policy;
    private readonly IVmSelectionPolicy? _selection;
    private readonly double _interval;
    private readonly double _limit;

    // Hosts (structure of arrays, indexed by host number).
    private readonly int _hostCount;
    private readonly double[] _hostTotalMips;
    private readonly double[] _hostPeMips;
    private readonly double[] _hostBandwidthMbps;
    private readonly int[] _hostTypeIndex;
    private readonly IPowerModel[] _hostPower;
    private readonly SpecPowerTable?[] _hostWattTable;
    private readonly List<int>[] _hostVms;
    private readonly List<int>[] _hostMigratingIn;
    private readonly int[] _migratingInCount;
    private readonly double[] _utilizationMips;
    private readonly double[] _previousUtilizationMips;
    private readonly int[] _ramFree;
    private readonly int[] _hostRam;
    private readonly bool[] _isCandidate;
    private readonly double[] _stalePower;
    private readonly int[] _pristineRep;
    private readonly int _hostTypeStride;
    private readonly double[] _bandwidthFree;

    // Derived scheduler state, kept current by Recompute(host).
    private readonly double[] _availableMips;
    private readonly double[] _allocatedForPlacement;
    private readonly double[] _requestedMips;
    private readonly double[] _hostHistory;
    private readonly bool[] _historyDirty;
    private readonly double[] _screenKey;
    private readonly bool[] _screenKeyStale;
    private readonly int[] _hostMaxRam;

    // Per host: the request epoch its derived state was stored in (−1 once a change left it behind) and whether every
    // VM's booking fitted then; together they say whether a VM appended to the list can update it in place.
    private readonly int[] _derivedEpoch;
    private readonly bool[] _derivedFits;
    private readonly bool _appendInPlace;
    private int _requestEpoch;

    // VMs.
    private readonly int _vmCount;
    // CPU traces sample by sample: sample t of VM v at [t * _vmCount + v], so that reading every VM at one time
    // streams through memory; _vmTraceLength[v] is VM v's length (its trace plus the repeated last sample).
    private readonly double[] _vmTraceBySample;
    private readonly int[] _vmTraceLength;
    private readonly double[] _vmBandwidthMbps;
    private readonly VmSlot[] _vm;
    private readonly double[] _vmHistory;
    private readonly int[] _vmHistoryCount;
    private readonly double[] _vmHistoryTime;

    // Metrics.
    private readonly StateAccumulator _hostStates;
    private readonly VmStateAccumulator _vmStates;
    private readonly List<int> _changedHosts = [];
    private readonly bool[] _isChanged;
    private (double Time, int Order)[] _completionKeys = [];
    private readonly List<double> _activeTimes = [];
    private readonly List<double> _activeCounts = [];
    private readonly double[] _hostEnergy;
    private readonly bool[] _hasCompletedVm;
    private readonly (ContributionLog Hosts, ContributionLog Vms)[] _partLogs;
    private readonly int _parallelHostThreshold;
    private readonly PowerDataCenterFault _fault;
    private double _energyWattSeconds;
    private double _lastProcessTime;
    private int _migrations;

    public PowerDataCenter(Workload workload, DataCenterSetup setup, ConsolidationPolicy policy, PowerDataCenterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(policy);
        options ??= PowerDataCenterOptions.Default;
        _policy = policy;
        _fault = options.Fault;
        _parallelHostThreshold = options.ParallelHostThreshold;
        _interval = setup.SchedulingInterval.TotalSeconds;
        _limit = setup.Duration.TotalSeconds;
        _selection = policy.Kind == PolicyKind.DynamicConsolidation ? policy.CreateSelection(new Random(setup.Seed)) : null;

        _hostCount = setup.HostCount;
        _hostTotalMips = new double[_hostCount];
        _hostPeMips = new double[_hostCount];
        _hostBandwidthMbps = new double[_hostCount];
        _hostTypeIndex = new int[_hostCount];
        _hostPower = new IPowerModel[_hostCount];
        _hostWattTable = new SpecPowerTable?[_hostCount];
        _hostVms = new List<int>[_hostCount];
        _hostMigratingIn = new List<int>[_hostCount];
        _migratingInCount = new int[_hostCount];
        _utilizationMips = new double[_hostCount];
        _previousUtilizationMips = new double[_hostCount];
        _ramFree = new int[_hostCount];
        _hostRam = new int[_hostCount];
        _isCandidate = new bool[_hostCount];
        _stalePower = new double[_hostCount];
        _pristineRep = new int[setup.HostTypes.Count];
        _hostTypeStride = setup.HostTypes.Count;
        _bandwidthFree = new double[_hostCount];
        _availableMips = new double[_hostCount];
        _allocatedForPlacement = new double[_hostCount];
        _requestedMips = new double[_hostCount];
        _hostHistory = new double[_hostCount * HistoryStride];
        _historyDirty = new bool[_hostCount];
        _screenKey = new double[_hostCount];
        _screenKeyStale = new bool[_hostCount];
        Array.Fill(_screenKeyStale, true);
        _hostMaxRam = new int[_hostCount];
        _derivedEpoch = new int[_hostCount];
        Array.Fill(_derivedEpoch, -1);
        _derivedFits = new bool[_hostCount];
        _appendInPlace = !options.RecomputeOnAppend;
        var tables = new SpecPowerTable?[setup.HostTypes.Count];
        for (var h = 0; h < _hostCount; h++)
        {
            var typeIndex = h % setup.HostTypes.Count;
            var type = setup.HostTypes[typeIndex];
            _hostTypeIndex[h] = typeIndex;
            _hostTotalMips[h] = type.TotalMips;
            _hostPeMips[h] = type.MipsPerCore;
            _hostBandwidthMbps[h] = type.BandwidthMbps;
            _hostPower[h] = type.Power;
            _hostWattTable[h] = type.Power is SpecPowerModel spec ? tables[typeIndex] ??= new SpecPowerTable(spec.WattsAtTenths) : null;
            _hostVms[h] = new List<int>(4);
            _hostMigratingIn[h] = new List<int>(1);
            _ramFree[h] = type.RamMiB;
            _hostRam[h] = type.RamMiB;
            _bandwidthFree[h] = type.BandwidthMbps;
            _availableMips[h] = type.TotalMips;
            _hostMaxRam[h] = int.MinValue;
        }

        _vmCount = workload.Vms.Count;
        _vmTraceLength = new int[_vmCount];
        _vmBandwidthMbps = new double[_vmCount];
        _vm = new VmSlot[_vmCount];
        _vmHistory = new double[_vmCount * HistoryStride];
        _vmHistoryCount = new int[_vmCount];
        _vmHistoryTime = new double[_vmCount];
        for (var v = 0; v < _vmCount; v++)
        {
            var (mips, cores, ram, bandwidth) = setup.VmSize(workload.Vms[v], v, _vmCount);
            _vm[v].Mips = mips;
            _vm[v].Cores = cores;
            _vm[v].Ram = ram;
            _vmBandwidthMbps[v] = bandwidth;
            _vm[v].Host = -1;
            _vm[v].State = VmStateAccumulator.Entry.None;
            _vmTraceLength[v] = workload.Vms[v].Cpu.Length + 1;
        }

        _vmTraceBySample = TracesBySample(workload);

        _hostStates = new StateAccumulator(_hostCount);
        _hostEnergy = new double[_hostCount];
        _hasCompletedVm = new bool[_hostCount];
        _partLogs = new (ContributionLog, ContributionLog)[Environment.ProcessorCount];
        for (var part = 0; part < _partLogs.Length; part++)
        {
            _partLogs[part] = (new ContributionLog(), new ContributionLog());
        }
        _isChanged = new bool[_hostCount];
        _vmStates = new VmStateAccumulator();
        InitializeOverloadScreen();
        _search = CreateSearch();
        _query = new HostQuery(this);
    }

    /// <summary>Runs the whole simulation and returns its metrics.</summary>
    public SimulationResult Run(string workloadName, IProgress<double>? progress)
    {
        PlaceInitially();

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

    /// <summary>
    /// Every VM's trace, extended as CloudSim keeps it (289 points for a 288-sample day: the last one repeated, so
    /// interpolation never runs off), laid out sample by sample; entries past a VM's length are never read.
    /// </summary>
    private double[] TracesBySample(Workload workload)
    {
        var samples = _vmCount == 0 ? 0 : _vmTraceLength.Max();
        var bySample = new double[(long)samples * _vmCount];
        for (var v = 0; v < _vmCount; v++)
        {
            var cpu = workload.Vms[v].Cpu;
            for (var t = 0; t < cpu.Length; t++)
            {
                bySample[(t * _vmCount) + v] = cpu[t];
            }

            bySample[(cpu.Length * _vmCount) + v] = cpu.Length > 0 ? cpu[^1] : 0;
        }

        return bySample;
    }

    /// <summary>Per VM, what a host update reads of it, in one record (one cache line rather than one per array).</summary>
    private struct VmSlot
    {
        /// <summary>MIPS the VM asks for at the last update.</summary>
        public double Requested;

        /// <summary>The VM's size in MIPS (all cores).</summary>
        public double Mips;

        public int Cores;

        /// <summary>RAM (MiB).</summary>
        public int Ram;

        /// <summary>The host the VM is on (its source while it migrates), −1 if none.</summary>
        public int Host;

        /// <summary>Being created: it asks for its full size and books RAM and bandwidth.</summary>
        public bool Instantiating;

        public bool InMigration;

        /// <summary>Finished (or never placed) and gone from the data center.</summary>
        public bool Removed;

        /// <summary>The VM's last state entry for the SLA totals (<see cref="VmStateAccumulator"/>).</summary>
        public VmStateAccumulator.Entry State;
    }

    private double TraceSample(int vm, int t) => _vmTraceBySample[(t * _vmCount) + vm];

    /// <summary>
    /// The parts of UtilizationModelPlanetLabInMemory.getUtilization that depend on the time alone, computed once per
    /// update instead of once per VM (the per-VM arithmetic below is unchanged, operation for operation).
    /// </summary>
    private readonly record struct TracePoint(bool OnSample, int Index, int T1, int T2, double Span, double Offset);

    private TracePoint PointAt(double time)
    {
        if (time % _interval == 0)
        {
            return new TracePoint(true, (int)time / (int)_interval, 0, 0, 0, 0);
        }

        var t1 = (int)Math.Floor(time / _interval);
        var t2 = (int)Math.Ceiling(time / _interval);
        return new TracePoint(false, 0, t1, t2, (t2 - t1) * _interval, time - (t1 * _interval));
    }

    /// <summary>UtilizationModelPlanetLabInMemory.getUtilization: linear between samples.</summary>
    private double Utilization(int vm, in TracePoint point)
    {
        var length = _vmTraceLength[vm];
        if (point.OnSample)
        {
            return TraceSample(vm, Math.Min(point.Index, length - 1));
        }

        if (point.T2 >= length)
        {
            return TraceSample(vm, length - 1);
        }

        var u1 = TraceSample(vm, point.T1);
        var u2 = TraceSample(vm, point.T2);
        var delta = (u2 - u1) / point.Span;
        return u1 + (delta * point.Offset);
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
        for (var h = 0; h < _hostCount; h++)
        {
            if (_utilizationMips[h] > 0)
            {
                active++;
            }
        }

        _activeTimes.Add(time);
        _activeCounts.Add(active);

        if (_policy.Kind != PolicyKind.DynamicConsolidation)
        {
            return;
        }

        var plan = OptimizeAllocation();
        foreach (var (vm, target) in plan)
        {
            StartMigration(vm, target);
            _migrations++;
            var seconds = _vm[vm].Ram / (_hostBandwidthMbps[target] / 16.0);
            pending.Add((time + seconds, vm, target));
        }

        UpdateChangedHosts(time, keepPrevious: true);
    }

    private void ProcessNonPowerAware(double time)
    {
        // PowerDatacenterNonPowerAware: every host at full power for the whole frame.
        var timeDiff = time - _lastProcessTime;
        if (timeDiff <= 0)
        {
            return;
        }

        for (var h = 0; h < _hostCount; h++)
        {
            _energyWattSeconds += _hostPower[h].PowerWatts(1) * timeDiff;
        }

        UpdateRequests(time);
        for (var h = 0; h < _hostCount; h++)
        {
            UpdateHost(h, time);
        }

        RemoveCompletedVms();
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
                var source = _vm[vm].Host;
                if (source >= 0)
                {
                    MarkChanged(source);
                }

                MarkChanged(target);
                FinishMigration(vm, target);
                i++;
            }

            UpdateChangedHosts(time);
        }

        pending.Clear();
    }

    /// <summary>
    /// The second UpdateAll at a migration-completion time, restricted to what can differ from the first one at the
    /// same time: requests are unchanged, no time passes (no energy, every state entry is replaced by an equal one), so
    /// only the sources and targets of the finished migrations are re-processed; every other host just takes its
    /// current utilisation as its previous one, as re-processing it would.
    /// </summary>
    private void UpdateChangedHosts(double time) => UpdateChangedHosts(time, keepPrevious: false);

    /// <summary>
    /// Re-processes the hosts marked changed at <paramref name="time"/>, in host order. With
    /// <paramref name="keepPrevious"/>, the hosts that were not changed keep their previous utilisation (no processing
    /// point is being completed; used after migrations start).
    /// </summary>
    private void UpdateChangedHosts(double time, bool keepPrevious)
    {
        if (!keepPrevious)
        {
            Array.Copy(_utilizationMips, _previousUtilizationMips, _hostCount);
        }

        _changedHosts.Sort();
        if (_changedHosts.Count >= _parallelHostThreshold / 4)
        {
            UpdateHostsInParallel(_changedHosts, time);
        }
        else
        {
            foreach (var h in _changedHosts)
            {
                UpdateHost(h, time);
            }
        }

        if (!keepPrevious)
        {
            // A host left empty may have taken UpdateHost's idle shortcut, which keeps its derived state: refresh it
            // (FinishMigration leaves that to this method).
            foreach (var h in _changedHosts)
            {
                if (_hostVms[h].Count == 0)
                {
                    Recompute(h);
                }
            }

            // Only VMs that just stopped migrating can newly count as completed; every other VM was checked at this time.
            foreach (var h in _changedHosts)
            {
                RemoveCompletedVms(h);
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
        if (_hostCount >= _parallelHostThreshold)
        {
            UpdateHostsInParallel(time, timeDiff);
        }
        else
        {
            for (var h = 0; h < _hostCount; h++)
            {
                UpdateHost(h, time);
            }

            if (timeDiff > 0)
            {
                for (var h = 0; h < _hostCount; h++)
                {
                    _energyWattSeconds += HostEnergy(h, timeDiff);
                }
            }
        }

        RemoveCompletedVms(onlyFlagged: _hostCount >= _parallelHostThreshold);
        _lastProcessTime = time;
    }

    /// <summary>
    /// The host loop of <see cref="UpdateAll"/> on every core: each host writes only its own entries and its VMs'
    /// (a VM is recorded by one host: a VM migrating in is recorded by its source), and what those records add to the
    /// SLA totals is logged per core and added afterwards in the serial order, so every figure is the same bit for
    /// bit. Each core also notes its hosts that hold a finished VM, for <see cref="RemoveCompletedVms(bool)"/>.
    /// </summary>
    private void UpdateHostsInParallel(double time, double timeDiff)
    {
        InParts(_hostCount, (from, to, part) =>
        {
            var (hostLog, vmLog) = _partLogs[part];
            for (var h = from; h < to; h++)
            {
                UpdateHost(h, time, hostLog, vmLog);
                _hostEnergy[h] = timeDiff > 0 ? HostEnergy(h, timeDiff) : 0;
                _hasCompletedVm[h] = HasCompletedVm(h);
            }
        });
        ReplayPartLogs();
        if (timeDiff > 0)
        {
            for (var h = 0; h < _hostCount; h++)
            {
                _energyWattSeconds += _hostEnergy[h];
            }
        }
    }

    /// <summary>The same for a list of hosts in increasing order (no energy: no time passes).</summary>
    private void UpdateHostsInParallel(List<int> hosts, double time)
    {
        InParts(hosts.Count, (from, to, part) =>
        {
            var (hostLog, vmLog) = _partLogs[part];
            for (var i = from; i < to; i++)
            {
                UpdateHost(hosts[i], time, hostLog, vmLog);
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

    /// <summary>
    /// Splits [0, count) into one contiguous range per core, in order, and runs <paramref name="body"/>(from, to,
    /// part) on each at once.
    /// </summary>
    private static void InParts(int count, Action<int, int, int> body)
    {
        var parts = Environment.ProcessorCount;
        var chunk = (count + parts - 1) / parts;
        Parallel.For(0, parts, part => body(Math.Min(count, part * chunk), Math.Min(count, (part + 1) * chunk), part));
    }

    private double HostEnergy(int h, double timeDiff) =>
        EnergyLinearInterpolation(h, Clamp(_previousUtilizationMips[h] / _hostTotalMips[h]), Clamp(_utilizationMips[h] / _hostTotalMips[h]), timeDiff);

    private static double Clamp(double utilization) => utilization > 1 ? 1 : utilization;

    private double EnergyLinearInterpolation(int host, double from, double to, double seconds)
    {
        if (from == 0)
        {
            return 0;
        }

        var fromPower = Watts(host, from);
        var toPower = Watts(host, to);
        return (fromPower + ((toPower - fromPower) / 2)) * seconds;
    }

    /// <summary>Every running VM reads its demand at <paramref name="time"/> and, on a tick, records it in its history.</summary>
    private void UpdateRequests(double time)
    {
        // Every host's derived state was computed from the old requests (AppendDerived).
        _requestEpoch++;

        // PowerVm.updateVmProcessing: history grows only at ticks, where (t − 0.1) mod interval == 0 in floating point.
        var isHistoryTick = (time - FirstTickOffset) % _interval == 0;

        // Each VM touches only its own entries, so large fleets split the VMs over the cores; the result is the same.
        if (_vmCount < ParallelVmThreshold)
        {
            UpdateRequests(time, isHistoryTick, 0, _vmCount);
            return;
        }

        InParts(_vmCount, (from, to, _) => UpdateRequests(time, isHistoryTick, from, to));
    }

    private void UpdateRequests(double time, bool isHistoryTick, int from, int to)
    {
        var point = PointAt(time);
        for (var v = from; v < to; v++)
        {
            if (_vm[v].Removed || _vm[v].Host < 0)
            {
                continue;
            }

            var utilization = Utilization(v, point);
            _vm[v].Requested = utilization * _vm[v].Mips;
            _vm[v].Instantiating = false;
            if (isHistoryTick && time > _vmHistoryTime[v])
            {
                PushHistory(v, utilization);
                _vmHistoryTime[v] = time;
            }
        }
    }

    private void PushHistory(int vm, double utilization)
    {
        var count = _vmHistoryCount[vm];
        var keep = Math.Min(count, HistoryLength - 1);
        var at = vm * HistoryStride;
        Array.Copy(_vmHistory, at, _vmHistory, at + 1, keep);
        _vmHistory[at] = utilization;
        _vmHistoryCount[vm] = Math.Min(count + 1, HistoryLength);
        UpdateVmForecast(vm);
    }

    /// <summary>VMs whose demand is exactly zero are finished and leave the data center (HostDynamicWorkload.getCompletedVms).</summary>
    /// <param name="onlyFlagged">Visit only the hosts the parallel host update flagged in <c>_hasCompletedVm</c>.</param>
    private void RemoveCompletedVms(bool onlyFlagged = false)
    {
        for (var h = 0; h < _hostCount; h++)
        {
            if (!onlyFlagged || _hasCompletedVm[h])
            {
                RemoveCompletedVms(h);
            }
        }
    }

    /// <summary>
    /// Whether <see cref="RemoveCompletedVms(int)"/> would remove anything from the host. Removing a VM changes only
    /// that VM and its host, so hosts flagged in one pass, visited in order, remove exactly what the full loop would.
    /// </summary>
    private bool HasCompletedVm(int h)
    {
        foreach (var v in _hostVms[h])
        {
            if (IsCompleted(v))
            {
                return true;
            }
        }

        return false;
    }

    private bool IsCompleted(int v) => !_vm[v].InMigration && _vm[v].Requested == 0 && !_vm[v].Instantiating && !_vm[v].Removed;

    private void RemoveCompletedVms(int h)
    {
        var vms = _hostVms[h];
        for (var i = vms.Count - 1; i >= 0; i--)
        {
            var v = vms[i];
            if (IsCompleted(v))
            {
                _vm[v].Removed = true;
                var owner = _vm[v].Host;
                if (owner >= 0)
                {
                    _hostVms[owner].Remove(v);
                    Recompute(owner);
                }

                _vm[v].Host = -1;
            }
        }
    }
}
