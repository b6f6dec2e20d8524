using Roost.Core.Balancing.Consolidation;
using Roost.Simulation.DataCenter.Search;
using Roost.Simulation.Metrics;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// PowerVmAllocationPolicyMigrationAbstract: power-aware best-fit decreasing placement (PABFD), overload relief and
/// underload consolidation, run on a working copy of the placement that is restored afterwards.
/// </summary>
internal sealed partial class PowerDataCenter
{
    private readonly List<int> _evacuees = [];
    private readonly List<int> _sorted = [];
    private (double Mips, int Order, int Vm)[] _sortKeys = [];
    // Hosts whose lists planning changed, in first-touch order, each with its list as it was (reused across ticks).
    private readonly List<int> _touchedHosts = [];
    private bool[] _isTouched = [];
    private List<int>?[] _savedVms = [];
    private readonly Dictionary<int, int> _movedVms = [];
    private int[]? _excludedA;
    private int[]? _excludedB;
    private int _generation;
    private bool _placingInitially;
    private int _unplacedVms;
    private bool[] _isOverloaded = [];

    private IOverloadDetector Detector => _policy.Detector ?? throw new InvalidOperationException($"{_policy.Name} detects no overloads");

    private IVmSelectionPolicy Selection => _selection ?? throw new InvalidOperationException($"{_policy.Name} selects no VMs");

    private void PlaceInitially()
    {
        _placingInitially = true;
        _requestEpoch++;
        IndexHosts();
        for (var v = 0; v < _vmCount; v++)
        {
            _vm[v].Instantiating = true;
            var host = _policy.Kind == PolicyKind.DynamicConsolidation
                ? FindHostForVm(v, excluded: null)
                : FirstFit(v);
            if (host < 0)
            {
                _vm[v].Instantiating = false;
                _vm[v].Removed = true;
                _unplacedVms++;
                continue;
            }

            CreateVm(host, v);
        }

        _placingInitially = false;
        _requestEpoch++;
        _searchLive = false;

        // From the first tick on, VMs request no RAM or bandwidth (CloudSim's null utilisation models), so the
        // bookings made at creation are released at the first reallocation.
        for (var h = 0; h < _hostCount; h++)
        {
            _ramFree[h] = _hostRam[h];
            _bandwidthFree[h] = _hostBandwidthMbps[h];
            Recompute(h);
        }
    }

    private int FirstFit(int vm)
    {
        for (var h = 0; h < _hostCount; h++)
        {
            if (IsSuitable(h, vm))
            {
                return h;
            }
        }

        return -1;
    }

    private bool IsOverloaded(int host)
    {
        if (IsSurelyNotOverloaded(host))
        {
            return false;
        }

        var history = HostHistory(host);
        var length = ConsolidationStatistics.CountNonZeroBeginning(history);
        var load = new HostLoad(history[..length], _requestedMips[host] / _hostTotalMips[host], MaxMigrationSeconds(host, _hostMaxRam[host]));
        return Detector.IsOverloaded(load);
    }

    /// <summary>Every overloaded host, by number; large fleets ask the detector on every core (it only reads).</summary>
    private List<int> OverloadedHosts()
    {
        var overloaded = new List<int>();
        if (_hostCount < _parallelHostThreshold)
        {
            for (var h = 0; h < _hostCount; h++)
            {
                if (IsOverloaded(h))
                {
                    overloaded.Add(h);
                }
            }

            return overloaded;
        }

        InParts(_hostCount, (from, to, _) =>
        {
            for (var h = from; h < to; h++)
            {
                _isOverloaded[h] = IsOverloaded(h);
            }
        });
        for (var h = 0; h < _hostCount; h++)
        {
            if (_isOverloaded[h])
            {
                overloaded.Add(h);
            }
        }

        return overloaded;
    }

    private double MaxMigrationSeconds(int host, int ram) => ram / (_hostBandwidthMbps[host] / 16.0);

    /// <summary>Would <paramref name="host"/> be overloaded with <paramref name="vm"/> appended to its list?</summary>
    private bool IsOverloadedWith(int host, int vm)
    {
        Span<double> history = stackalloc double[HistoryLength];
        HostHistory(host).CopyTo(history);
        var vmHistory = VmHistory(vm);
        var mips = _vm[vm].Mips;
        var total = _hostTotalMips[host];
        for (var j = 0; j < _vmHistoryCount[vm]; j++)
        {
            history[j] += vmHistory[j] * mips / total;
        }

        var length = ConsolidationStatistics.CountNonZeroBeginning(history);
        var requested = (_requestedMips[host] + Requested(vm)) / total;
        var load = new HostLoad(history[..length], requested, MaxMigrationSeconds(host, Math.Max(_hostMaxRam[host], _vm[vm].Ram)));
        return Detector.IsOverloaded(load);
    }

    /// <summary>
    /// PABFD's host choice: among suitable hosts that would not become overloaded, the one whose power grows least
    /// (the first such host on ties). Hosts that are empty and idle ("pristine") are interchangeable within a host
    /// type, so only the first of each type is evaluated; this gives the same answer as scanning them all. The other
    /// hosts (the candidates) go through the search.
    /// </summary>
    private int FindHostForVm(int vm, int[]? excluded, bool includePristine = true)
    {
        var forecastMips = _screenByRegression ? _vmForecast[vm] * _vm[vm].Mips : 0;
        _query.Start(vm, Requested(vm), _vm[vm].Cores, _vm[vm].Instantiating, _vm[vm].Ram, _vmBandwidthMbps[vm], forecastMips);
        if (includePristine)
        {
            for (var type = 0; type < _pristineRep.Length; type++)
            {
                var h = _pristineRep[type];
                while (h >= 0 && h < _hostCount && (!IsPristine(h) || (excluded is not null && excluded[h] == _generation)))
                {
                    h = NextOfType(h);
                }

                _pristineRep[type] = h < _hostCount ? h : -1;
                if (h >= 0 && h < _hostCount)
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
        var vm = query.Vm;
        var requested = query.Requested;
        if (_availableMips[host] < requested || !IsSuitable(host, vm))
        {
            return;
        }

        var allocated = _allocatedForPlacement[host];
        var after = (allocated + requested) / _hostTotalMips[host];
        if (after > 1)
        {
            return;
        }

        var powerDiff = Watts(host, after) - _stalePower[host];
        if ((powerDiff < query.MinPowerDiff || (powerDiff == query.MinPowerDiff && host < query.Best))
            && (allocated == 0 || !WouldBeOverloadedWith(host, vm)))
        {
            query.Choose(host, powerDiff);
        }
    }

    private bool IsPristine(int host) => _hostVms[host].Count == 0 && _utilizationMips[host] == 0 && _ramFree[host] == _hostRam[host];

    private int NextOfType(int host) => host + _hostTypeStride;

    /// <summary>Marks the candidates (non-pristine hosts) and the pristine representatives, and gives the search every host.</summary>
    private void IndexHosts()
    {
        Array.Fill(_pristineRep, -1);
        for (var h = 0; h < _hostCount; h++)
        {
            if (!IsPristine(h))
            {
                _isCandidate[h] = true;
            }
            else
            {
                _isCandidate[h] = false;
                if (_pristineRep[_hostTypeIndex[h]] < 0)
                {
                    _pristineRep[_hostTypeIndex[h]] = h;
                }
            }

            _stalePower[h] = _hostPower[h].PowerWatts(Math.Min(1, HostUtilizationAtLastUpdate(h)));
        }

        BuildSearch();
    }

    /// <summary>A host that just received a VM joins the candidates.</summary>
    private void MarkCandidate(int host)
    {
        if (_isCandidate[host])
        {
            return;
        }

        _isCandidate[host] = true;
        OnSearchHostChanged(host);
    }

    /// <summary>A host that lost its last VM and was idle becomes a pristine representative candidate again.</summary>
    private void MarkPossiblyPristine(int host)
    {
        if (!IsPristine(host))
        {
            return;
        }

        var type = _hostTypeIndex[host];
        if (_pristineRep[type] < 0 || host < _pristineRep[type])
        {
            _pristineRep[type] = host;
        }
    }

    private List<(int Vm, int Target)> OptimizeAllocation()
    {
        _excludedA ??= new int[_hostCount];
        _excludedB ??= new int[_hostCount];
        if (_isOverloaded.Length != _hostCount)
        {
            _isOverloaded = new bool[_hostCount];
        }

        IndexHosts();

        // The planning below works on the live lists; each host's list is saved when first touched and restored at
        // the end (saveAllocation / restoreAllocation).
        _touchedHosts.Clear();
        _movedVms.Clear();

        var overloaded = OverloadedHosts();

        var toMigrate = VmsToMigrateFromOverloadedHosts(overloaded);
        var plan = new List<(int Vm, int Target)>();
        NewExclusion();
        foreach (var h in overloaded)
        {
            _excludedA[h] = _generation;
            ExcludeFromSearch(h);
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

        // The hosts the planned migrations leave and join are processed once the migrations have started (ProcessTick),
        // which refreshes everything Recompute would; only the other touched hosts are recomputed below.
        foreach (var (vm, target) in plan)
        {
            MarkChanged(target);
            if (_movedVms.TryGetValue(vm, out var source) && source >= 0)
            {
                MarkChanged(source);
            }
        }

        // restoreAllocation
        _searchLive = false;
        foreach (var h in _touchedHosts)
        {
            _isTouched[h] = false;
            var saved = _savedVms[h] ?? throw new InvalidOperationException($"host {h} was touched without saving its list");
            var list = _hostVms[h];
            InvalidateDerived(h);
            list.Clear();
            list.AddRange(_hostMigratingIn[h]);
            foreach (var v in saved)
            {
                if (!_hostMigratingIn[h].Contains(v))
                {
                    list.Add(v);
                    _vm[v].Host = h;
                }
            }

            if (!_isChanged[h])
            {
                Recompute(h);
            }
        }

        foreach (var (v, h) in _movedVms)
        {
            _vm[v].Host = h;
        }

        return plan;
    }

    private void NewExclusion() => _generation++;

    private List<int> VmsToMigrateFromOverloadedHosts(List<int> overloaded)
    {
        var result = new List<int>();
        var candidates = new List<SelectableVm>();
        foreach (var h in overloaded)
        {
            while (true)
            {
                candidates.Clear();
                var vms = _hostVms[h];
                foreach (var v in vms)
                {
                    if (!_vm[v].InMigration)
                    {
                        candidates.Add(new SelectableVm(v, _vm[v].Ram, _vm[v].Requested / _vm[v].Mips, _vmHistory.AsMemory(v * HistoryStride, _vmHistoryCount[v])));
                    }
                }

                var chosen = Selection.ChooseVm(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(candidates));
                if (chosen < 0)
                {
                    break;
                }

                var vm = candidates[chosen].Id;
                result.Add(vm);
                DestroyVm(h, vm);
                if (!IsOverloaded(h))
                {
                    break;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// PowerVmList.sortByCpuUtilization: decreasing current MIPS, stable. Returns a list reused by the next call.
    /// </summary>
    private List<int> SortByCpuDescending(List<int> vms)
    {
        if (_sortKeys.Length < vms.Count)
        {
            _sortKeys = new (double, int, int)[Math.Max(vms.Count, 2 * _sortKeys.Length)];
        }

        var keys = _sortKeys.AsSpan(0, vms.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (_vm[vms[i]].Requested, i, vms[i]);
        }

        // The position breaks ties, so an unstable sort orders exactly as a stable one.
        keys.Sort(static (a, b) =>
        {
            var byMips = b.Mips.CompareTo(a.Mips);
            return byMips != 0 ? byMips : a.Order.CompareTo(b.Order);
        });
        _sorted.Clear();
        foreach (var key in keys)
        {
            _sorted.Add(key.Vm);
        }

        return _sorted;
    }

    private void ConsolidateUnderloadedHosts(List<int> overloaded, List<(int Vm, int Target)> plan)
    {
        // excludedA: hosts not to pick as underloaded; excludedB: hosts not to place VMs on.
        NewExclusion();
        ResetSearchExclusions();
        var excludedCount = 0;
        void ExcludeA(int h)
        {
            if (_excludedA![h] != _generation)
            {
                _excludedA[h] = _generation;
                excludedCount++;
            }
        }

        foreach (var h in overloaded)
        {
            ExcludeA(h);
            _excludedB![h] = _generation;
            ExcludeFromSearch(h);
        }

        for (var h = 0; h < _hostCount; h++)
        {
            if (HostUtilizationAtLastUpdate(h) == 0)
            {
                ExcludeA(h);
                _excludedB![h] = _generation;
                ExcludeFromSearch(h);
            }
        }

        // Candidates in increasing utilisation at the last update (ties by host number); that value does not change
        // while planning, so one ordered pass replaces CloudSim's repeated minimum search.
        var order = new List<int>();
        for (var h = 0; h < _hostCount; h++)
        {
            var u = HostUtilizationAtLastUpdate(h);
            if (u > 0 && u < 1)
            {
                order.Add(h);
            }
        }

        order.Sort((a, b) =>
        {
            var byUtilization = HostUtilizationAtLastUpdate(a).CompareTo(HostUtilizationAtLastUpdate(b));
            return byUtilization != 0 ? byUtilization : a.CompareTo(b);
        });

        var placed = new List<(int Vm, int Target)>();
        foreach (var host in order)
        {
            if (excludedCount == _hostCount)
            {
                break;
            }

            if (_excludedA![host] == _generation || AllMigratingOutOrAnyMigratingIn(host))
            {
                continue;
            }

            ExcludeA(host);
            _excludedB![host] = _generation;
            ExcludeFromSearch(host);
            _evacuees.Clear();
            foreach (var v in _hostVms[host])
            {
                if (!_vm[v].InMigration)
                {
                    _evacuees.Add(v);
                }
            }

            if (_evacuees.Count == 0)
            {
                continue;
            }

            placed.Clear();
            foreach (var vm in SortByCpuDescending(_evacuees))
            {
                var target = FindHostForVm(vm, _excludedB, includePristine: false);
                if (target < 0)
                {
                    foreach (var (v, t) in placed)
                    {
                        DestroyVm(t, v);
                    }

                    placed.Clear();
                    break;
                }

                CreateVm(target, vm);
                placed.Add((vm, target));
            }

            foreach (var (v, t) in placed)
            {
                ExcludeA(t);
                plan.Add((v, t));
            }
        }
    }

    private bool AllMigratingOutOrAnyMigratingIn(int host)
    {
        foreach (var v in _hostVms[host])
        {
            if (!_vm[v].InMigration)
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
            _hostCount,
            _vmCount,
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
            UnplacedVms = _unplacedVms,
        };
    }
}
