using System.Diagnostics;
using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// PowerVmAllocationPolicyMigrationAbstract: power-aware best-fit decreasing placement (PABFD) of the VMs at t = 0,
/// and at every step overload relief and underload consolidation, planned on the live allocation, each host's list
/// saved when planning first changes it and restored afterwards (saveAllocation / restoreAllocation).
/// </summary>
/// <remarks>
/// PABFD's host choice (<see cref="FindHostForVm"/>): among suitable hosts that would not become overloaded, the one
/// whose power grows least, the lowest host number on ties. Hosts that are empty and idle ("pristine") are
/// interchangeable within a host type, so only the first of each type is judged; the others (the candidates) go
/// through the <see cref="IHostSearch"/>, which the planner keeps told of every change to a host while it plans.
/// </remarks>
internal sealed partial class ConsolidationPlanner : IHostObserver, IHostJudge
{
    private readonly Fleet _fleet;
    private readonly VmTable _vms;
    private readonly HostAllocation _hosts;
    private readonly OverloadScreen _screen;
    private readonly IOverloadDetector? _detector;
    private readonly IVmSelectionPolicy? _selection;
    private readonly int _parallelHostThreshold;
    private readonly IHostSearch _search;
    private readonly HostQuery _query;

    // Candidates (hosts that are not pristine), the first pristine host of each type, and each host's power at its
    // last update, as of the start of the planning (stale powers do not change while planning).
    private readonly bool[] _isCandidate;
    private readonly int[] _pristineRep;
    private readonly double[] _stalePower;

    // While set, every change to a host is passed on to the search.
    private bool _live;

    public ConsolidationPlanner(Fleet fleet, VmTable vms, HostAllocation hosts, ConsolidationPolicy policy, Random selectionRandom, PowerDataCenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(options);
        _fleet = fleet;
        _vms = vms;
        _hosts = hosts;
        _screen = hosts.Screen;
        _detector = policy.Detector;
        _selection = policy.Kind == PolicyKind.DynamicConsolidation ? policy.CreateSelection(selectionRandom) : null;
        _parallelHostThreshold = options.ParallelHostThreshold;
        _isCandidate = new bool[fleet.HostCount];
        _pristineRep = new int[fleet.TypeCount];
        _stalePower = new double[fleet.HostCount];
        _excludedA = new int[fleet.HostCount];
        _isOverloaded = new bool[fleet.HostCount];
        _search = CreateSearch(options);
        _query = new HostQuery(this);
        hosts.Observe(this);
    }

    /// <summary>VMs that fit no host at t = 0 (CloudSim's broker drops them).</summary>
    public int UnplacedVms => _unplaced.Count;

    /// <summary>The VMs that fit no host at t = 0, in VM order.</summary>
    public IReadOnlyList<int> Unplaced => _unplaced;

    private readonly List<int> _unplaced = [];

    private IOverloadDetector Detector => _detector ?? throw new InvalidOperationException("this policy detects no overloads");

    private IVmSelectionPolicy Selection => _selection ?? throw new InvalidOperationException("this policy selects no VMs");

    /// <summary>
    /// Creates every VM at t = 0, in order: PABFD under dynamic consolidation, first fit otherwise (npa, dvfs). A VM
    /// that fits nowhere is removed and counted.
    /// </summary>
    public void PlaceInitially(bool powerAware)
    {
        _hosts.StartInitialPlacement();
        if (powerAware)
        {
            IndexHosts();
        }

        for (var v = 0; v < _vms.Count; v++)
        {
            _vms[v].Instantiating = true;
            var host = powerAware ? FindHostForVm(v, excluded: null) : FirstFit(v);
            if (host < 0)
            {
                _vms[v].Instantiating = false;
                _vms[v].Removed = true;
                _unplaced.Add(v);
                continue;
            }

            CreateVm(host, v);
        }

        _live = false;
        _hosts.EndInitialPlacement();
    }

    /// <summary>
    /// optimizeAllocation: the migrations that relieve overloaded hosts and empty underloaded ones, planned on the
    /// live allocation, which is then restored. Every host a migration leaves or joins must be processed once the
    /// migrations have started (its derived state is left for that); the other hosts planning touched are current.
    /// </summary>
    public IReadOnlyList<Migration> Plan()
    {
        IndexHosts();
        _touchedHosts.Clear();
        _movedVms.Clear();

        var overloaded = OverloadedHosts();
        var toMigrate = VmsToMigrateFromOverloadedHosts(overloaded);
        var plan = new List<(int Vm, int Target)>();
        NewExclusion();
        foreach (var h in overloaded)
        {
            _excludedA[h] = _generation;
            _search.Exclude(h);
        }

        foreach (var vm in SortByCpuDescending(toMigrate))
        {
            var target = FindHostForVm(vm, _excludedA);
            if (target >= 0)
            {
                CreateVm(target, vm);
                plan.Add((vm, target));
            }
        }

        ConsolidateUnderloadedHosts(overloaded, plan);
        var migrations = plan.ConvertAll(p => new Migration(p.Vm, _movedVms[p.Vm], p.Target));
        Restore(migrations);
        return migrations;
    }

    /// <summary>Every host's state for the search: called once the stale powers are known, at the start of a planning.</summary>
    private void IndexHosts()
    {
        Array.Fill(_pristineRep, -1);
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            _isCandidate[h] = !_hosts.IsPristine(h);
            if (!_isCandidate[h] && _pristineRep[_fleet.TypeOf(h)] < 0)
            {
                _pristineRep[_fleet.TypeOf(h)] = h;
            }

            _stalePower[h] = _fleet.Power(h).PowerWatts(Math.Min(1, _hosts.UtilizationAtLastUpdate(h)));
        }

        _search.Reset();
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            _search.Update(h, SearchState(h));
        }

        _search.Build();
        _live = true;
    }

    /// <summary>The trees where every host type has a SPECpower table, else the plain scan.</summary>
    private IHostSearch CreateSearch(PowerDataCenterOptions options)
    {
        var types = new List<(SpecPowerTable, double, double)>();
        for (var type = 0; type < _fleet.TypeCount; type++)
        {
            if (type >= _fleet.HostCount || _fleet.Table(type) is not { } table)
            {
                return new PlainHostScan(_fleet.HostCount);
            }

            types.Add((table, _fleet.TotalMips(type), _fleet.PeMips(type)));
        }

        return new TreeHostSearch(_fleet.HostCount, types, _screen.Rule, options.ParallelHostThreshold) { Fault = options.Fault };
    }

    private SearchHost SearchState(int host) => new(
        _isCandidate[host],
        _hosts.AllocatedForPlacement(host),
        _stalePower[host],
        _hosts.Available(host),
        _hosts.RamFree(host),
        _hosts.BandwidthFree(host),
        _screen.Key(host));

    /// <summary>The host allocation changed a host: while planning, the search learns its new state.</summary>
    public void HostChanged(int host)
    {
        if (_live)
        {
            _search.Update(host, SearchState(host));
        }
    }

    /// <summary>
    /// PABFD's host choice for <paramref name="vm"/>, among hosts not marked in <paramref name="excluded"/> (for this
    /// generation); the pristine representatives are judged here, the candidates through the search.
    /// </summary>
    private int FindHostForVm(int vm, int[]? excluded, bool includePristine = true)
    {
        ref var slot = ref _vms[vm];
        _query.Start(vm, _vms.Requested(vm), slot.Cores, slot.Instantiating, slot.Ram, _vms.BandwidthMbps(vm), _screen.ForecastMips(vm));
        if (includePristine)
        {
            for (var type = 0; type < _pristineRep.Length; type++)
            {
                var h = _pristineRep[type];
                while (h >= 0 && h < _fleet.HostCount && (!_hosts.IsPristine(h) || (excluded is not null && excluded[h] == _generation)))
                {
                    h += _fleet.TypeCount;
                }

                _pristineRep[type] = h < _fleet.HostCount ? h : -1;
                if (h >= 0 && h < _fleet.HostCount)
                {
                    Consider(h, _query);
                }
            }
        }

        _search.Search(_query);
        return _query.Best;
    }

    /// <summary>One host of PABFD's scan: suitable, within capacity, least power increase (lowest number on ties), not overloaded.</summary>
    public void Consider(int host, HostQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var vm = query.Vm;
        var requested = query.Requested;
        if (_hosts.Available(host) < requested || !_hosts.IsSuitable(host, vm))
        {
            return;
        }

        var allocated = _hosts.AllocatedForPlacement(host);
        var after = (allocated + requested) / _fleet.TotalMips(host);
        if (after > 1)
        {
            return;
        }

        var powerDiff = _fleet.Watts(host, after) - _stalePower[host];
        if ((powerDiff < query.MinPowerDiff || (powerDiff == query.MinPowerDiff && host < query.Best))
            && (allocated == 0 || !WouldBeOverloadedWith(host, vm)))
        {
            query.Choose(host, powerDiff);
        }
    }

    private int FirstFit(int vm)
    {
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            if (_hosts.IsSuitable(h, vm))
            {
                return h;
            }
        }

        return -1;
    }

    /// <summary>isHostOverUtilized: the detector on the host's history, requested utilisation and largest VM's migration time.</summary>
    private bool IsOverloaded(int host)
    {
        if (_screen.SurelyNotOverloaded(host))
        {
            return false;
        }

        var history = _hosts.History(host);
        var length = ConsolidationStatistics.CountNonZeroBeginning(history);
        var load = new HostLoad(history[..length], _hosts.RequestedMips(host) / _fleet.TotalMips(host), _fleet.MigrationSeconds(host, _hosts.MaxRam(host)));
        return Detector.IsOverloaded(load);
    }

    /// <summary>isHostOverUtilizedAfterAllocation: would the host be overloaded with <paramref name="vm"/> appended to its list?</summary>
    private bool IsOverloadedWith(int host, int vm)
    {
        Span<double> history = stackalloc double[VmTable.HistoryLength];
        _hosts.History(host).CopyTo(history);
        var vmHistory = _vms.History(vm);
        var mips = _vms[vm].Mips;
        var total = _fleet.TotalMips(host);
        for (var j = 0; j < _vms.HistoryCount(vm); j++)
        {
            history[j] += vmHistory[j] * mips / total;
        }

        var length = ConsolidationStatistics.CountNonZeroBeginning(history);
        var requested = (_hosts.RequestedMips(host) + _vms.Requested(vm)) / total;
        var load = new HostLoad(history[..length], requested, _fleet.MigrationSeconds(host, Math.Max(_hosts.MaxRam(host), _vms[vm].Ram)));
        return Detector.IsOverloaded(load);
    }

    /// <summary>
    /// <see cref="IsOverloadedWith"/>, answered without building the host's history where the screen decides exactly:
    /// THR's test is the key's; under LR a host whose forecast with the VM stays below the threshold by the slack is
    /// surely not overloaded (its full window makes LR use the regression, never the fallback).
    /// </summary>
    private bool WouldBeOverloadedWith(int host, int vm)
    {
        if (_screen.Rule.Kind == ScreenKind.Threshold)
        {
            return (_hosts.RequestedMips(host) + _vms.Requested(vm)) / _fleet.TotalMips(host) > _screen.Rule.Threshold;
        }

        return !_screen.SurelyNotOverloadedWith(host, vm) && IsOverloadedWith(host, vm);
    }

    /// <summary>Every overloaded host, by number; large fleets ask the detector on every core (it only reads).</summary>
    private List<int> OverloadedHosts()
    {
        var overloaded = new List<int>();
        if (_fleet.HostCount < _parallelHostThreshold)
        {
            for (var h = 0; h < _fleet.HostCount; h++)
            {
                if (IsOverloaded(h))
                {
                    overloaded.Add(h);
                }
            }

            return overloaded;
        }

        Cores.InParts(_fleet.HostCount, (from, to, _) =>
        {
            for (var h = from; h < to; h++)
            {
                _isOverloaded[h] = IsOverloaded(h);
            }
        });
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            if (_isOverloaded[h])
            {
                overloaded.Add(h);
            }
        }

        return overloaded;
    }

    /// <summary>Debug builds: outside a migration, every VM still in the data center is in exactly one host's list.</summary>
    [Conditional("DEBUG")]
    private void AssertEachVmInOneList()
    {
        var seen = new int[_vms.Count];
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            foreach (var v in _hosts.VmsOf(h))
            {
                seen[v] += _hosts.IsMigratingIn(h, v) ? 0 : 1;
            }
        }

        for (var v = 0; v < _vms.Count; v++)
        {
            Debug.Assert(seen[v] == (_vms[v].Host >= 0 ? 1 : 0), $"vm {v} is in {seen[v]} lists (host of record {_vms[v].Host})");
        }
    }
}

/// <summary>A planned migration: the VM, the host it runs on when planning starts (−1 if none) and its target.</summary>
internal readonly record struct Migration(int Vm, int Source, int Target);
