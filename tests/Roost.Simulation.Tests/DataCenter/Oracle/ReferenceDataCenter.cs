using Roost.Core.Balancing.Consolidation;
using Roost.Core.Model;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Metrics;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter.Oracle;

/// <summary>
/// CloudSim 3.0.3's power data center written the plain way, as the oracle the fast <c>PowerDataCenter</c> is compared
/// with bit for bit: objects with lists, every quantity computed from the lists when it is read (no cache, no
/// search structure, no incremental update), every host scanned for every VM, everything on one thread, and the
/// events processed as CloudSim processes them (both hosts of a migration at its start; a full second update at each
/// migration-completion time; saveAllocation / restoreAllocation of every host; the under-utilised host found by a
/// fresh minimum search each time). docs/baselines.md lists the semantics. It is slow on purpose: use it on small
/// fleets only.
/// </summary>
/// <remarks>
/// Where CloudSim leaves an order of floating-point additions open, this follows the order Roost documents (metric
/// entries are added as they are recorded, host by host in host order; energy host by host), which is also
/// CloudSim's for every figure it prints.
/// </remarks>
internal sealed class ReferenceDataCenter
{
    private const int HistoryLength = 30;
    private const double FirstTickOffset = 0.1;
    private const double MigratingOutShare = 0.9;
    private const double MigratingInShare = 0.1;

    private readonly ConsolidationPolicy _policy;
    private readonly IVmSelectionPolicy? _selection;
    private readonly double _interval;
    private readonly double _limit;
    private readonly string _workloadName;
    private readonly List<RefHost> _hosts = [];
    private readonly List<RefVm> _vms = [];
    private readonly HostMetrics _hostMetrics = new();
    private readonly VmMetrics _vmMetrics = new();
    private readonly List<double> _activeTimes = [];
    private readonly List<double> _activeCounts = [];
    private bool _placingInitially;
    private double _energyWattSeconds;
    private double _lastProcessTime;
    private int _migrations;
    private int _unplacedVms;

    public ReferenceDataCenter(Workload workload, DataCenterSetup setup, ConsolidationPolicy policy)
    {
        _policy = policy;
        _interval = setup.SchedulingInterval.TotalSeconds;
        _limit = setup.Duration.TotalSeconds;
        _workloadName = workload.Name;
        _selection = policy.Kind == PolicyKind.DynamicConsolidation ? policy.CreateSelection(new Random(setup.Seed)) : null;
        for (var h = 0; h < setup.HostCount; h++)
        {
            var type = setup.HostTypes[h % setup.HostTypes.Count];
            _hosts.Add(new RefHost(h, type) { RamFree = type.RamMiB, BandwidthFree = type.BandwidthMbps });
        }

        for (var v = 0; v < workload.Vms.Count; v++)
        {
            var (mips, cores, ram, bandwidth) = setup.VmSize(workload.Vms[v], v, workload.Vms.Count);

            // CloudSim keeps one point more than the samples: the last one repeated, so interpolation never runs off.
            var cpu = workload.Vms[v].Cpu;
            double[] trace = [.. cpu, cpu.Length > 0 ? cpu[^1] : 0];
            _vms.Add(new RefVm(v, mips, cores, ram, bandwidth, trace));
        }
    }

    public SimulationResult Run()
    {
        PlaceInitially();
        var tick = FirstTickOffset + _interval;
        var pending = new List<(double Time, RefVm Vm, RefHost Target)>();
        while (tick <= _limit)
        {
            ProcessTick(tick, pending);
            CompleteMigrations(pending);
            tick += _interval;
        }

        return Result();
    }

    private IOverloadDetector Detector => _policy.Detector ?? throw new InvalidOperationException("no detector");

    // ---- Demand ----

    /// <summary>UtilizationModelPlanetLabInMemory.getUtilization: linear between samples.</summary>
    private double Utilization(RefVm vm, double time)
    {
        var trace = vm.Trace;
        if (time % _interval == 0)
        {
            return trace[Math.Min((int)time / (int)_interval, trace.Length - 1)];
        }

        var t1 = (int)Math.Floor(time / _interval);
        var t2 = (int)Math.Ceiling(time / _interval);
        if (t2 >= trace.Length)
        {
            return trace[^1];
        }

        var delta = (trace[t2] - trace[t1]) / ((t2 - t1) * _interval);
        return trace[t1] + (delta * (time - (t1 * _interval)));
    }

    /// <summary>A VM being created asks for its full size.</summary>
    private static double Requested(RefVm vm) => vm.Instantiating ? vm.Mips : vm.RequestedMips;

    private void UpdateRequests(double time)
    {
        var isHistoryTick = (time - FirstTickOffset) % _interval == 0;
        foreach (var vm in _vms)
        {
            if (vm.Removed || vm.Host is null)
            {
                continue;
            }

            var utilization = Utilization(vm, time);
            vm.RequestedMips = utilization * vm.Mips;
            vm.Instantiating = false;
            if (isHistoryTick && time > vm.LastHistoryTime)
            {
                vm.History.Insert(0, utilization);
                if (vm.History.Count > HistoryLength)
                {
                    vm.History.RemoveAt(HistoryLength);
                }

                vm.LastHistoryTime = time;
            }
        }
    }

    // ---- The host's scheduler (VmSchedulerTimeSharedOverSubscription), computed from its list every time ----

    private static double Capped(RefVm vm, double peMips) =>
        vm.Cores == 1 ? Math.Min(Requested(vm), peMips) : Math.Min(Requested(vm) / vm.Cores, peMips) * vm.Cores;

    private static bool IsMigratingIn(RefHost host, RefVm vm) => host.MigratingIn.Contains(vm);

    /// <summary>Each VM's MIPS in list order, the MIPS left, and whether every booking fitted.</summary>
    private static (double[] Allocated, double Available) Allocate(RefHost host)
    {
        var pe = host.Type.MipsPerCore;
        var available = host.Type.TotalMips;
        var fits = true;
        double required = 0;
        foreach (var vm in host.Vms)
        {
            var capped = Capped(vm, pe);
            var booked = IsMigratingIn(host, vm) ? capped * MigratingInShare : capped;
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

        var allocated = new double[host.Vms.Count];
        var scale = host.Type.TotalMips / required;
        for (var i = 0; i < host.Vms.Count; i++)
        {
            var vm = host.Vms[i];
            var capped = Capped(vm, pe);
            allocated[i] = fits
                ? IsMigratingIn(host, vm) ? capped * MigratingInShare : vm.InMigration ? capped * MigratingOutShare : capped
                : IsMigratingIn(host, vm) ? Math.Floor(capped * MigratingInShare * scale)
                : vm.InMigration ? Math.Floor(capped * scale * MigratingOutShare)
                : Math.Floor(capped * scale);
        }

        return (allocated, fits ? available : 0);
    }

    private static double AvailableMips(RefHost host) => Allocate(host).Available;

    /// <summary>getUtilizationOfCpuMips as placement reads it: a VM migrating in counts at its full share.</summary>
    private static double AllocatedForPlacement(RefHost host)
    {
        var (allocated, _) = Allocate(host);
        double total = 0;
        for (var i = 0; i < host.Vms.Count; i++)
        {
            total += allocated[i];
            if (IsMigratingIn(host, host.Vms[i]))
            {
                total += allocated[i] * MigratingOutShare / MigratingInShare;
            }
        }

        return total;
    }

    /// <summary>Σ of the VMs' requests; while VMs are being created, the created ones request nothing yet.</summary>
    private double RequestedMips(RefHost host)
    {
        double total = 0;
        foreach (var vm in host.Vms)
        {
            total += _placingInitially ? 0 : Requested(vm);
        }

        return total;
    }

    private static int MaxRam(IEnumerable<RefVm> vms)
    {
        var max = int.MinValue;
        foreach (var vm in vms)
        {
            max = Math.Max(max, vm.Ram);
        }

        return max;
    }

    private static double UtilizationAtLastUpdate(RefHost host)
    {
        var utilization = host.UtilizationMips / host.Type.TotalMips;
        return utilization is > 1 and < 1.01 ? 1 : utilization;
    }

    private static double Power(RefHost host, double utilization) => host.Type.Power.PowerWatts(utilization);

    // ---- Overload detection ----

    /// <summary>PowerHostUtilizationHistory: the VMs' histories weighted by MIPS / host MIPS, in list order.</summary>
    private static double[] History(RefHost host, IEnumerable<RefVm> vms)
    {
        var history = new double[HistoryLength];
        foreach (var vm in vms)
        {
            for (var j = 0; j < vm.History.Count; j++)
            {
                history[j] += vm.History[j] * vm.Mips / host.Type.TotalMips;
            }
        }

        return history;
    }

    private bool IsOverloaded(RefHost host, IReadOnlyList<RefVm> vms, double requestedMips)
    {
        var history = History(host, vms);
        var length = ConsolidationStatistics.CountNonZeroBeginning(history);
        var seconds = MaxRam(vms) / (host.Type.BandwidthMbps / 16.0);
        return Detector.IsOverloaded(new HostLoad(history.AsSpan(0, length), requestedMips / host.Type.TotalMips, seconds));
    }

    private bool IsOverloaded(RefHost host) => IsOverloaded(host, host.Vms, RequestedMips(host));

    /// <summary>isHostOverUtilizedAfterAllocation: the host with the VM appended to its list.</summary>
    private bool IsOverloadedWith(RefHost host, RefVm vm) => IsOverloaded(host, [.. host.Vms, vm], RequestedMips(host) + Requested(vm));

    // ---- Placement ----

    private static bool IsSuitable(RefHost host, RefVm vm)
    {
        var requested = Requested(vm);
        if (host.Type.MipsPerCore < requested / vm.Cores || AvailableMips(host) < requested)
        {
            return false;
        }

        return !vm.Instantiating || (host.RamFree >= vm.Ram && host.BandwidthFree >= vm.BandwidthMbps);
    }

    /// <summary>PABFD's findHostForVm: every host not excluded, least power increase, first on ties.</summary>
    private RefHost? FindHostForVm(RefVm vm, HashSet<RefHost> excluded)
    {
        RefHost? best = null;
        var minPowerDiff = double.MaxValue;
        var requested = Requested(vm);
        foreach (var host in _hosts)
        {
            if (excluded.Contains(host) || !IsSuitable(host, vm))
            {
                continue;
            }

            var allocated = AllocatedForPlacement(host);
            var after = (allocated + requested) / host.Type.TotalMips;
            if (after > 1)
            {
                continue;
            }

            var powerDiff = Power(host, after) - Power(host, Math.Min(1, UtilizationAtLastUpdate(host)));
            if (powerDiff < minPowerDiff && (allocated == 0 || !IsOverloadedWith(host, vm)))
            {
                minPowerDiff = powerDiff;
                best = host;
            }
        }

        return best;
    }

    private RefHost? FirstFit(RefVm vm) => _hosts.FirstOrDefault(h => IsSuitable(h, vm));

    /// <summary>Host.vmCreate.</summary>
    private static void CreateVm(RefHost host, RefVm vm)
    {
        if (vm.Instantiating)
        {
            host.RamFree -= vm.Ram;
            host.BandwidthFree -= vm.BandwidthMbps;
        }

        host.Vms.Add(vm);
        vm.Host = host;
    }

    private void PlaceInitially()
    {
        _placingInitially = true;
        foreach (var vm in _vms)
        {
            vm.Instantiating = true;
            var host = _policy.Kind == PolicyKind.DynamicConsolidation ? FindHostForVm(vm, []) : FirstFit(vm);
            if (host is null)
            {
                vm.Instantiating = false;
                vm.Removed = true;
                _unplacedVms++;
                continue;
            }

            CreateVm(host, vm);
        }

        _placingInitially = false;

        // RAM and bandwidth are requested only while VMs are created (CloudSim's null utilisation models afterwards).
        foreach (var host in _hosts)
        {
            host.RamFree = host.Type.RamMiB;
            host.BandwidthFree = host.Type.BandwidthMbps;
        }
    }

    // ---- optimizeAllocation ----

    private List<(RefVm Vm, RefHost Target)> OptimizeAllocation()
    {
        var overloaded = _hosts.Where(IsOverloaded).ToList();

        // saveAllocation: every host's VMs but those migrating in.
        var saved = _hosts.Select(h => h.Vms.Where(v => !IsMigratingIn(h, v)).ToList()).ToList();
        var savedHostOf = _vms.ToDictionary(v => v, v => v.Host);

        var toMigrate = new List<RefVm>();
        foreach (var host in overloaded)
        {
            while (true)
            {
                var migratable = host.Vms.Where(v => !v.InMigration).ToList();
                var candidates = migratable
                    .Select(v => new SelectableVm(v.Index, v.Ram, v.RequestedMips / v.Mips, v.History.ToArray()))
                    .ToArray();
                var chosen = (_selection ?? throw new InvalidOperationException("no selection")).ChooseVm(candidates);
                if (chosen < 0)
                {
                    break;
                }

                toMigrate.Add(migratable[chosen]);
                host.Vms.Remove(migratable[chosen]);
                if (!IsOverloaded(host))
                {
                    break;
                }
            }
        }

        var plan = new List<(RefVm Vm, RefHost Target)>();
        var excludedForPlacement = overloaded.ToHashSet();
        foreach (var vm in SortByCpuDescending(toMigrate))
        {
            if (FindHostForVm(vm, excludedForPlacement) is { } target)
            {
                CreateVm(target, vm);
                plan.Add((vm, target));
            }
        }

        plan.AddRange(MigrationsFromUnderloadedHosts(overloaded));

        // restoreAllocation: every host gets its VMs migrating in, then its saved VMs.
        for (var h = 0; h < _hosts.Count; h++)
        {
            var host = _hosts[h];
            host.Vms.Clear();
            host.Vms.AddRange(host.MigratingIn);
            foreach (var vm in saved[h])
            {
                host.Vms.Add(vm);
            }
        }

        foreach (var (vm, host) in savedHostOf)
        {
            vm.Host = host;
        }

        return plan;
    }

    /// <summary>PowerVmList.sortByCpuUtilization: decreasing current MIPS, stable.</summary>
    private static List<RefVm> SortByCpuDescending(List<RefVm> vms) => [.. vms.OrderByDescending(v => v.RequestedMips)];

    /// <summary>getMigrationMapFromUnderUtilizedHosts, with its quirk: hosts that received VMs above stay eligible.</summary>
    private List<(RefVm Vm, RefHost Target)> MigrationsFromUnderloadedHosts(List<RefHost> overloaded)
    {
        var migrations = new List<(RefVm, RefHost)>();
        var switchedOff = _hosts.Where(h => UtilizationAtLastUpdate(h) == 0).ToList();
        var notToEvacuate = overloaded.Concat(switchedOff).ToHashSet();
        var notToPlaceOn = overloaded.Concat(switchedOff).ToHashSet();
        while (notToEvacuate.Count != _hosts.Count)
        {
            // getUnderUtilizedHost: the least utilised (first on ties) of the others, 0 < u < 1.
            RefHost? underloaded = null;
            var min = 1.0;
            foreach (var host in _hosts)
            {
                var utilization = UtilizationAtLastUpdate(host);
                if (!notToEvacuate.Contains(host) && utilization > 0 && utilization < min && !AllMigratingOutOrAnyMigratingIn(host))
                {
                    min = utilization;
                    underloaded = host;
                }
            }

            if (underloaded is null)
            {
                break;
            }

            notToEvacuate.Add(underloaded);
            notToPlaceOn.Add(underloaded);
            var evacuees = underloaded.Vms.Where(v => !v.InMigration).ToList();
            if (evacuees.Count == 0)
            {
                continue;
            }

            var placed = new List<(RefVm Vm, RefHost Target)>();
            foreach (var vm in SortByCpuDescending(evacuees))
            {
                if (FindHostForVm(vm, notToPlaceOn) is not { } target)
                {
                    foreach (var (v, t) in placed)
                    {
                        t.Vms.Remove(v);
                    }

                    placed.Clear();
                    break;
                }

                CreateVm(target, vm);
                placed.Add((vm, target));
            }

            foreach (var (_, target) in placed)
            {
                notToEvacuate.Add(target);
            }

            migrations.AddRange(placed);
        }

        return migrations;
    }

    private static bool AllMigratingOutOrAnyMigratingIn(RefHost host)
    {
        foreach (var vm in host.Vms)
        {
            if (!vm.InMigration)
            {
                return false;
            }

            if (IsMigratingIn(host, vm))
            {
                return true;
            }
        }

        return true;
    }

    // ---- Processing (PowerDatacenter, HostDynamicWorkload.updateVmsProcessing) ----

    private void ProcessTick(double time, List<(double Time, RefVm Vm, RefHost Target)> pending)
    {
        if (_policy.Kind == PolicyKind.NonPowerAware)
        {
            ProcessNonPowerAware(time);
        }
        else
        {
            UpdateAll(time);
        }

        _activeTimes.Add(time);
        _activeCounts.Add(_hosts.Count(h => h.UtilizationMips > 0));
        if (_policy.Kind != PolicyKind.DynamicConsolidation)
        {
            return;
        }

        foreach (var (vm, target) in OptimizeAllocation())
        {
            StartMigration(vm, target, time);
            _migrations++;
            pending.Add((time + (vm.Ram / (target.Type.BandwidthMbps / 16.0)), vm, target));
        }
    }

    private void ProcessNonPowerAware(double time)
    {
        var timeDiff = time - _lastProcessTime;
        if (timeDiff <= 0)
        {
            return;
        }

        foreach (var host in _hosts)
        {
            _energyWattSeconds += Power(host, 1) * timeDiff;
        }

        UpdateRequests(time);
        foreach (var host in _hosts)
        {
            UpdateHost(host, time);
        }

        RemoveCompletedVms();
        _lastProcessTime = time;
    }

    /// <summary>updateCloudetProcessingWithoutSchedulingFutureEventsForce.</summary>
    private void UpdateAll(double time)
    {
        var timeDiff = time - _lastProcessTime;
        UpdateRequests(time);
        foreach (var host in _hosts)
        {
            UpdateHost(host, time);
        }

        if (timeDiff > 0)
        {
            foreach (var host in _hosts)
            {
                _energyWattSeconds += Energy(host, timeDiff);
            }
        }

        RemoveCompletedVms();
        _lastProcessTime = time;
    }

    /// <summary>getEnergyLinearInterpolation; nothing while the host was off.</summary>
    private static double Energy(RefHost host, double seconds)
    {
        var from = Math.Min(1, host.PreviousUtilizationMips / host.Type.TotalMips);
        var to = Math.Min(1, host.UtilizationMips / host.Type.TotalMips);
        if (from == 0)
        {
            return 0;
        }

        var fromPower = Power(host, from);
        var toPower = Power(host, to);
        return (fromPower + ((toPower - fromPower) / 2)) * seconds;
    }

    private void UpdateHost(RefHost host, double time)
    {
        var (allocated, _) = Allocate(host);
        host.PreviousUtilizationMips = host.UtilizationMips;
        double utilization = 0;
        double requested = 0;
        for (var i = 0; i < host.Vms.Count; i++)
        {
            var vm = host.Vms[i];
            var vmAllocated = allocated[i];
            var vmRequested = Requested(vm);

            // A VM migrating in is recorded by its source.
            if (!IsMigratingIn(host, vm))
            {
                _vmMetrics.Record(vm, time, vmAllocated, vmRequested, vm.InMigration);
                if (vm.InMigration)
                {
                    vmAllocated /= MigratingOutShare;
                }
            }

            utilization += vmAllocated;
            requested += vmRequested;
        }

        host.UtilizationMips = utilization;
        _hostMetrics.Record(host, time, utilization, requested, utilization > 0);
    }

    /// <summary>A VM requesting exactly 0 MIPS at a processing point has finished and leaves (getCompletedVms).</summary>
    private void RemoveCompletedVms()
    {
        foreach (var host in _hosts)
        {
            foreach (var vm in host.Vms.Where(v => !v.InMigration && Requested(v) == 0 && !v.Instantiating && !v.Removed).ToList())
            {
                vm.Removed = true;
                vm.Host?.Vms.Remove(vm);
                vm.Host = null;
            }
        }
    }

    /// <summary>Host.addMigratingInVm: the target, then the VM's host, are processed at once.</summary>
    private void StartMigration(RefVm vm, RefHost target, double time)
    {
        vm.InMigration = true;
        if (!target.MigratingIn.Contains(vm))
        {
            target.MigratingIn.Add(vm);
            target.Vms.Add(vm);
            UpdateHost(target, time);
            if (vm.Host is { } source)
            {
                UpdateHost(source, time);
            }
        }
    }

    /// <summary>
    /// The VM_MIGRATE events in time order (FIFO on ties): at each completion time, a processing update (if time has
    /// passed), the migrations, then a forced update of every host.
    /// </summary>
    private void CompleteMigrations(List<(double Time, RefVm Vm, RefHost Target)> pending)
    {
        var ordered = pending.Select((p, order) => (p.Time, Order: order)).OrderBy(p => p.Time).ThenBy(p => p.Order).ToList();
        var i = 0;
        while (i < ordered.Count && ordered[i].Time <= _limit)
        {
            var time = ordered[i].Time;
            if (time > _lastProcessTime)
            {
                UpdateAll(time);
            }

            for (; i < ordered.Count && ordered[i].Time == time; i++)
            {
                var (_, vm, target) = pending[ordered[i].Order];
                vm.Host?.Vms.Remove(vm);
                target.MigratingIn.Remove(vm);
                target.Vms.Remove(vm);
                vm.InMigration = false;
                target.Vms.Add(vm);
                vm.Host = target;
            }

            UpdateAll(time);
        }

        pending.Clear();
    }

    private SimulationResult Result()
    {
        _hostMetrics.Close(_hosts);
        var slatah = _hostMetrics.ActiveSeconds > 0 ? _hostMetrics.ViolationSeconds / _hostMetrics.ActiveSeconds : 0;
        var pdm = _vmMetrics.RequestedMipsSeconds > 0 ? _vmMetrics.UnderAllocatedMipsSeconds / _vmMetrics.RequestedMipsSeconds : 0;
        var energyKwh = _energyWattSeconds / (3600 * 1000);
        var slav = slatah * pdm;
        return new SimulationResult(
            _policy.Name, _workloadName, _hosts.Count, _vms.Count, _lastProcessTime, energyKwh, _migrations, slatah * 100,
            pdm * 100, slav * 100, energyKwh * slav, _hostMetrics.Shutdowns, new TimeSeries([.. _activeTimes], [.. _activeCounts]))
        {
            OverloadHostSeconds = _hostMetrics.ViolationSeconds,
            UnplacedVms = _unplacedVms,
        };
    }

    private sealed class RefHost(int index, HostType type)
    {
        public int Index { get; } = index;

        public HostType Type { get; } = type;

        public List<RefVm> Vms { get; } = [];

        public List<RefVm> MigratingIn { get; } = [];

        public double UtilizationMips { get; set; }

        public double PreviousUtilizationMips { get; set; }

        public int RamFree { get; set; }

        public double BandwidthFree { get; set; }

        /// <summary>The last state entry (time NaN before the first); "previous active" starts true (getTimesBeforeHostShutdown).</summary>
        public (double Time, double Allocated, double Requested, bool Active) State { get; set; } = (double.NaN, 0, 0, false);

        public bool PreviousActive { get; set; } = true;

        public override string ToString() => $"host {Index}";
    }

    private sealed class RefVm(int index, double mips, int cores, int ram, double bandwidthMbps, double[] trace)
    {
        public int Index { get; } = index;

        public double Mips { get; } = mips;

        public int Cores { get; } = cores;

        public int Ram { get; } = ram;

        public double BandwidthMbps { get; } = bandwidthMbps;

        public double[] Trace { get; } = trace;

        public double RequestedMips { get; set; }

        public bool Instantiating { get; set; }

        public bool InMigration { get; set; }

        public bool Removed { get; set; }

        public RefHost? Host { get; set; }

        /// <summary>Utilisation at the history ticks, most recent first, at most 30.</summary>
        public List<double> History { get; } = [];

        public double LastHistoryTime { get; set; }

        public (double Time, double Allocated, double Requested, bool InMigration) State { get; set; } = (double.NaN, 0, 0, false);

        public override string ToString() => $"vm {Index}";
    }

    /// <summary>SLATAH and shutdowns: an entry at the time of the last one replaces it; otherwise the last one is accounted.</summary>
    private sealed class HostMetrics
    {
        public double ActiveSeconds { get; private set; }

        public double ViolationSeconds { get; private set; }

        public int Shutdowns { get; private set; }

        public void Record(RefHost host, double time, double allocated, double requested, bool active)
        {
            var last = host.State;
            if (!double.IsNaN(last.Time) && last.Time != time)
            {
                var seconds = time - last.Time;
                if (last.Active)
                {
                    ActiveSeconds += seconds;
                    if (last.Allocated < last.Requested)
                    {
                        ViolationSeconds += seconds;
                    }
                }

                Transition(host, last.Active);
            }

            host.State = (time, allocated, requested, active);
        }

        public void Close(IEnumerable<RefHost> hosts)
        {
            foreach (var host in hosts.Where(h => !double.IsNaN(h.State.Time)))
            {
                Transition(host, host.State.Active);
            }
        }

        private void Transition(RefHost host, bool active)
        {
            if (host.PreviousActive && !active)
            {
                Shutdowns++;
            }

            host.PreviousActive = active;
        }
    }

    /// <summary>PDM's totals (Helper.getSlaMetrics): MIPS-seconds requested, and under-allocated while migrating.</summary>
    private sealed class VmMetrics
    {
        public double RequestedMipsSeconds { get; private set; }

        public double UnderAllocatedMipsSeconds { get; private set; }

        public void Record(RefVm vm, double time, double allocated, double requested, bool inMigration)
        {
            var last = vm.State;
            if (!double.IsNaN(last.Time) && last.Time != time)
            {
                var seconds = time - last.Time;
                RequestedMipsSeconds += last.Requested * seconds;
                if (last.Allocated < last.Requested && last.InMigration)
                {
                    UnderAllocatedMipsSeconds += (last.Requested - last.Allocated) * seconds;
                }
            }

            vm.State = (time, allocated, requested, inMigration);
        }
    }
}
