using System.Runtime.InteropServices;
using Roost.Core.Balancing.Consolidation;

namespace Roost.Simulation.DataCenter;

/// <summary>The phases of a planning step: overload relief, underload consolidation, and undoing the working copy.</summary>
internal sealed partial class ConsolidationPlanner
{
    // Exclusions by generation: a host is excluded while its entry equals _generation: not to pick as underloaded
    // (and, while relieving overloads, not to place on). Hosts not to place on while consolidating are excluded in
    // the search alone: consolidation judges no pristine host, the only ones judged outside it.
    private readonly int[] _excludedA;
    private int _generation;
    private readonly bool[] _isOverloaded;

    // Hosts whose lists planning changed, in first-touch order, each with its list as it was (reused across steps),
    // and each VM planning moved with the host it ran on.
    private readonly List<int> _touchedHosts = [];
    private bool[] _isTouched = [];
    private List<int>?[] _savedVms = [];
    private readonly Dictionary<int, int> _movedVms = [];
    private readonly List<int> _evacuees = [];
    private readonly List<int> _sorted = [];
    private (double Mips, int Order, int Vm)[] _sortKeys = [];

    private void NewExclusion() => _generation++;

    /// <summary>
    /// getVmsToMigrateFromHosts: from each overloaded host, in host order, the VMs the selection policy picks one at a
    /// time (each leaving the host's list) until the host is no longer overloaded.
    /// </summary>
    private List<int> VmsToMigrateFromOverloadedHosts(List<int> overloaded)
    {
        var result = new List<int>();
        var candidates = new List<SelectableVm>();
        foreach (var h in overloaded)
        {
            while (true)
            {
                candidates.Clear();
                foreach (var v in _hosts.VmsOf(h))
                {
                    if (!_vms[v].InMigration)
                    {
                        candidates.Add(new SelectableVm(v, _vms[v].Ram, _vms[v].Requested / _vms[v].Mips, _vms.HistoryValues(v)));
                    }
                }

                var chosen = Selection.ChooseVm(CollectionsMarshal.AsSpan(candidates));
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
    /// getMigrationMapFromUnderUtilizedHosts: hosts in increasing utilisation at the last update, each emptied only if
    /// every one of its VMs finds a place (excluding overloaded, underloaded and idle hosts), else none of them moves.
    /// As in CloudSim, hosts that received VMs from overloaded hosts stay eligible (its exclusion list is built from an
    /// empty migration map).
    /// </summary>
    private void ConsolidateUnderloadedHosts(List<int> overloaded, List<(int Vm, int Target)> plan)
    {
        NewExclusion();
        _search.ClearExclusions();
        var excludedCount = 0;
        void ExcludeA(int h)
        {
            if (_excludedA[h] != _generation)
            {
                _excludedA[h] = _generation;
                excludedCount++;
            }
        }

        void ExcludeB(int h) => _search.Exclude(h);

        foreach (var h in overloaded)
        {
            ExcludeA(h);
            ExcludeB(h);
        }

        for (var h = 0; h < _fleet.HostCount; h++)
        {
            if (_hosts.UtilizationAtLastUpdate(h) == 0)
            {
                ExcludeA(h);
                ExcludeB(h);
            }
        }

        // Candidates in increasing utilisation at the last update (ties by host number); that value does not change
        // while planning, so one ordered pass replaces CloudSim's repeated minimum search.
        var order = new List<int>();
        for (var h = 0; h < _fleet.HostCount; h++)
        {
            var u = _hosts.UtilizationAtLastUpdate(h);
            if (u > 0 && u < 1)
            {
                order.Add(h);
            }
        }

        order.Sort((a, b) =>
        {
            var byUtilization = _hosts.UtilizationAtLastUpdate(a).CompareTo(_hosts.UtilizationAtLastUpdate(b));
            return byUtilization != 0 ? byUtilization : a.CompareTo(b);
        });

        var placed = new List<(int Vm, int Target)>();
        foreach (var host in order)
        {
            if (excludedCount == _fleet.HostCount)
            {
                break;
            }

            if (_excludedA[host] == _generation || _hosts.AllMigratingOutOrAnyMigratingIn(host))
            {
                continue;
            }

            ExcludeA(host);
            ExcludeB(host);
            _evacuees.Clear();
            foreach (var v in _hosts.VmsOf(host))
            {
                if (!_vms[v].InMigration)
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
                var target = FindHostForVm(vm, excluded: null, includePristine: false);
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

    /// <summary>PowerVmList.sortByCpuUtilization: decreasing current MIPS, stable. Returns a list reused by the next call.</summary>
    private List<int> SortByCpuDescending(List<int> vms)
    {
        if (_sortKeys.Length < vms.Count)
        {
            _sortKeys = new (double, int, int)[Math.Max(vms.Count, 2 * _sortKeys.Length)];
        }

        var keys = _sortKeys.AsSpan(0, vms.Count);
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = (_vms[vms[i]].Requested, i, vms[i]);
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

    /// <summary>Host.vmCreate while planning: the host's list is saved first, the VM's first host recorded.</summary>
    private void CreateVm(int host, int vm)
    {
        Touch(host);
        if (!_hosts.PlacingInitially)
        {
            _movedVms.TryAdd(vm, _vms[vm].Host);
        }

        // A host that receives a VM is a candidate from now on (the search learns both from the one change below).
        _isCandidate[host] = true;
        _hosts.Create(host, vm);
    }

    private void DestroyVm(int host, int vm)
    {
        Touch(host);
        _hosts.Destroy(host, vm);
        MarkPossiblyPristine(host);
    }

    /// <summary>A host that lost its last VM and was idle becomes a pristine representative candidate again.</summary>
    private void MarkPossiblyPristine(int host)
    {
        if (!_hosts.IsPristine(host))
        {
            return;
        }

        var type = _fleet.TypeOf(host);
        if (_pristineRep[type] < 0 || host < _pristineRep[type])
        {
            _pristineRep[type] = host;
        }
    }

    /// <summary>Saves a host's VM list the first time planning changes it.</summary>
    private void Touch(int host)
    {
        if (_hosts.PlacingInitially)
        {
            return;
        }

        if (_isTouched.Length == 0)
        {
            _isTouched = new bool[_fleet.HostCount];
            _savedVms = new List<int>?[_fleet.HostCount];
        }

        if (!_isTouched[host])
        {
            _isTouched[host] = true;
            _touchedHosts.Add(host);
            var saved = _savedVms[host] ??= new List<int>(4);
            saved.Clear();
            saved.AddRange(_hosts.VmsOf(host));
        }
    }

    /// <summary>
    /// restoreAllocation: every host planning touched gets its list back, and every VM its host. The hosts the planned
    /// migrations leave and join are processed once the migrations have started, which refreshes their derived state;
    /// the other touched hosts are recomputed here.
    /// </summary>
    private void Restore(List<Migration> plan)
    {
        _live = false;
        var processedLater = new HashSet<int>();
        foreach (var m in plan)
        {
            processedLater.Add(m.Target);
            if (m.Source >= 0)
            {
                processedLater.Add(m.Source);
            }
        }

        foreach (var h in _touchedHosts)
        {
            _isTouched[h] = false;
            var saved = _savedVms[h] ?? throw new InvalidOperationException($"host {h} was touched without saving its list");
            _hosts.Restore(h, saved, recompute: !processedLater.Contains(h));
        }

        foreach (var (v, h) in _movedVms)
        {
            _vms[v].Host = h;
        }

        AssertEachVmInOneList();
    }
}
