using System.Globalization;
using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// Sandpiper's migration manager (Wood et al., NSDI 2007, hotspot mitigation; resizing from the Computer Networks 2009 version) as a
/// pure function from <see cref="SandpiperInput"/> to <see cref="SandpiperPlan"/>:
/// <list type="number">
/// <item>Resize first: a VM whose need exceeds its allocation, on a host whose VMs' needs all fit under the ceiling,
/// gets its allocation raised in place.</item>
/// <item>Hosts that monitoring found hot, or that cannot hold the needs of a VM needing more than its allocation,
/// are relieved in decreasing volume.
/// Their VMs are tried in decreasing VSR; the first with a destination moves to the least-loaded (lowest-volume)
/// host that is not hot and holds the VM's needs on all three resources under the ceiling. Repeat until the host's
/// needs fit.</item>
/// <item>When no single migration works, a swap: the hot VM goes to a less loaded host while colder VMs (lowest VSR
/// first) come back, so that the destination fits under the ceiling and the hot host's volume falls without
/// overcommitting it.</item>
/// <item>VMs still needing more on hosts that now fit are resized.</item>
/// </list>
/// With <see cref="SandpiperInput.Sharing"/> (Memory Buddies, §5.3), memory is accounted with sharing in effect: a host's
/// memory load is its VMs' footprints less what it saves by sharing, a migration's destination must hold the VM's
/// footprint less the sharing credited there, and among the destinations that hold it the one where the VM shares the
/// most is chosen (ties: the least loaded). Swaps ignore sharing.
/// A VM moves at most once per plan and never within its cool-down. Hosts and VMs are processed in id order and every
/// ordering breaks ties by id, so equal inputs give equal plans.
/// </summary>
public sealed class SandpiperPlanner
{
    private const double Slack = 1e-9;

    private readonly SandpiperOptions _options;

    public SandpiperPlanner(SandpiperOptions? options = null)
    {
        _options = options ?? SandpiperOptions.Default;
        if (_options.Ceiling is <= 0 or > 1 || double.IsNaN(_options.Ceiling))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Ceiling, "The target ceiling must lie in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(_options.CoolDown, TimeSpan.Zero, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.MaxSwapPartners, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxSwapTargets, nameof(options));
    }

    public SandpiperOptions Options => _options;

    /// <summary>
    /// What a VM occupies for planning: its profiled CPU and network needs (caps are work-conserving), and the larger
    /// of its memory need and reservation (memory is reserved whether used or not).
    /// </summary>
    public static ResourceVector Footprint(VmAssessment vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return vm.Need with { MemoryMiB = Math.Max(vm.Need.MemoryMiB, vm.Vm.Allocation.MemoryMiB) };
    }

    public SandpiperPlan Plan(SandpiperInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new Planning(this, input).Run();
    }

    /// <summary>The mutable working state of one call to <see cref="Plan"/>.</summary>
    private sealed class Planning
    {
        private readonly SandpiperOptions _options;
        private readonly TimeSpan _now;
        private readonly HostSnapshot[] _hosts;
        private readonly VmAssessment[] _vms;
        private readonly ResourceVector[] _capacity;
        private readonly ResourceVector[] _limit;
        private readonly ResourceVector[] _load;
        private readonly double[] _volume;
        private readonly List<int>[] _members;
        private readonly bool[] _hot;
        private readonly ResourceVector[] _footprint;
        private readonly int[] _hostOf;
        private readonly bool[] _movable;
        private readonly bool[] _handled;
        private readonly List<SandpiperAction> _actions = [];
        private readonly SandpiperSharing? _sharing;

        public Planning(SandpiperPlanner planner, SandpiperInput input)
        {
            _options = planner._options;
            _sharing = input.Sharing;
            _now = input.Now;
            _hosts = [.. input.Hosts];
            Array.Sort(_hosts, static (a, b) => a.Id.Value.CompareTo(b.Id.Value));
            _vms = [.. input.Vms];
            Array.Sort(_vms, static (a, b) => a.Vm.Id.Value.CompareTo(b.Vm.Id.Value));

            var indexOf = new Dictionary<HostId, int>(_hosts.Length);
            _capacity = new ResourceVector[_hosts.Length];
            _limit = new ResourceVector[_hosts.Length];
            _load = new ResourceVector[_hosts.Length];
            _volume = new double[_hosts.Length];
            _members = new List<int>[_hosts.Length];
            _hot = new bool[_hosts.Length];
            for (var h = 0; h < _hosts.Length; h++)
            {
                if (!indexOf.TryAdd(_hosts[h].Id, h))
                {
                    throw new ArgumentException($"Host {_hosts[h].Id} is listed twice.", nameof(input));
                }

                _capacity[h] = _hosts[h].Capacity;
                _limit[h] = _hosts[h].Capacity * _options.Ceiling;
                _members[h] = [];
            }

            _footprint = new ResourceVector[_vms.Length];
            _hostOf = new int[_vms.Length];
            _movable = new bool[_vms.Length];
            _handled = new bool[_vms.Length];
            for (var i = 0; i < _vms.Length; i++)
            {
                var vm = _vms[i].Vm;
                if (i > 0 && _vms[i - 1].Vm.Id == vm.Id)
                {
                    throw new ArgumentException($"VM {vm.Id} is listed twice.", nameof(input));
                }

                if (!indexOf.TryGetValue(vm.Host, out var h))
                {
                    throw new ArgumentException($"VM {vm.Id} is on {vm.Host}, which is not among the hosts.", nameof(input));
                }

                _footprint[i] = Footprint(_vms[i]);
                _hostOf[i] = h;
                _movable[i] = vm.LastMovedAt is not { } last || _now - last >= _options.CoolDown;
                _load[h] += _footprint[i];
                _members[h].Add(i);
            }

            if (_sharing is not null)
            {
                for (var h = 0; h < _hosts.Length; h++)
                {
                    var saved = Math.Clamp(_sharing.HostSharedMiB.GetValueOrDefault(_hosts[h].Id), 0, _load[h].MemoryMiB);
                    _load[h] = _load[h] with { MemoryMiB = _load[h].MemoryMiB - saved };
                }
            }

            var starved = new bool[_hosts.Length];
            for (var i = 0; i < _vms.Length; i++)
            {
                starved[_hostOf[i]] |= NeedsMore(i);
            }

            // Only detected hotspots are acted on: a host monitoring found hot, or one whose VM needs more than its
            // allocation (itself a k-of-n or gray-box finding) where the host cannot hold every VM's needs. A host
            // whose profiles merely sum past the ceiling is left alone until monitoring agrees.
            for (var h = 0; h < _hosts.Length; h++)
            {
                _hot[h] = input.HotHosts.Contains(_hosts[h].Id) || (starved[h] && Overloaded(h));
                _volume[h] = Volume.Of(_load[h], _capacity[h]);
            }
        }

        public SandpiperPlan Run()
        {
            ResizeWhereHostsFit();

            var volumes = (double[])_volume.Clone();
            var hot = new List<int>();
            for (var h = 0; h < _hosts.Length; h++)
            {
                if (_hot[h])
                {
                    hot.Add(h);
                }
            }

            hot.Sort((a, b) => volumes[a] != volumes[b] ? volumes[b].CompareTo(volumes[a]) : a.CompareTo(b));
            var unresolved = new List<HostId>();
            foreach (var h in hot)
            {
                if (!Relieve(h))
                {
                    unresolved.Add(_hosts[h].Id);
                }
            }

            ResizeWhereHostsFit();
            unresolved.Sort(static (a, b) => a.Value.CompareTo(b.Value));
            return new SandpiperPlan(_actions.ToArray(), unresolved.ToArray());
        }

        private bool NeedsMore(int i) => _vms[i].Need.ExceedsAny(_vms[i].Vm.Allocation + Epsilon(_vms[i].Vm.Allocation));

        private bool Overloaded(int h) => _load[h].ExceedsAny(_limit[h] + Epsilon(_limit[h]));

        private static ResourceVector Epsilon(ResourceVector limit) => limit * Slack;

        private bool Fits(ResourceVector load, int h) => load.FitsWithin(_limit[h] + Epsilon(_limit[h]));

        private void ResizeWhereHostsFit()
        {
            for (var i = 0; i < _vms.Length; i++)
            {
                if (_handled[i] || !NeedsMore(i) || Overloaded(_hostOf[i]))
                {
                    continue;
                }

                var vm = _vms[i].Vm;
                var wanted = ResourceVector.Max(vm.Allocation, _vms[i].Need);

                _handled[i] = true;
                var host = _hosts[_hostOf[i]];
                _actions.Add(new SandpiperAction.Resize(
                    vm.Id,
                    host.Id,
                    vm.Allocation,
                    wanted,
                    Invariant($"{vm.Id} needs {_vms[i].Need}, more than its allocation; {host.Id} holds every VM's needs under {_options.Ceiling:0.##} of capacity")));
            }
        }

        /// <summary>Moves VMs off host <paramref name="h"/> until its needs fit; false if it could not.</summary>
        private bool Relieve(int h)
        {
            var startVolume = _volume[h];
            while (Overloaded(h))
            {
                var candidates = Candidates(h);
                if (!TryMigrateOne(h, candidates, startVolume) && !TrySwap(h, candidates, startVolume))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Movable VMs of a host in decreasing VSR, ties by id.</summary>
        private List<(int Vm, double Volume, double Vsr)> Candidates(int h)
        {
            var candidates = new List<(int Vm, double Volume, double Vsr)>();
            foreach (var i in _members[h])
            {
                if (_movable[i] && !_handled[i])
                {
                    var volume = Volume.Of(_footprint[i], _capacity[h]);
                    candidates.Add((i, volume, Volume.SizeRatio(volume, _vms[i].Vm.Allocation.MemoryMiB)));
                }
            }

            candidates.Sort((a, b) => a.Vsr != b.Vsr ? b.Vsr.CompareTo(a.Vsr) : _vms[a.Vm].Vm.Id.Value.CompareTo(_vms[b.Vm].Vm.Id.Value));
            return candidates;
        }

        private bool TryMigrateOne(int h, List<(int Vm, double Volume, double Vsr)> candidates, double hostVolume)
        {
            foreach (var (i, _, vsr) in candidates)
            {
                var best = -1;
                var bestVolume = double.PositiveInfinity;
                var bestShared = 0.0;
                for (var t = 0; t < _hosts.Length; t++)
                {
                    if (t == h || _hot[t])
                    {
                        continue;
                    }

                    var shared = SharedOn(i, t);
                    if (!Fits(_load[t] + Arriving(i, shared), t))
                    {
                        continue;
                    }

                    var volume = _volume[t];
                    if (shared > bestShared || (shared == bestShared && volume < bestVolume))
                    {
                        best = t;
                        bestVolume = volume;
                        bestShared = shared;
                    }
                }

                if (best >= 0)
                {
                    var reason = bestShared > 0
                        ? Invariant(
                            $"{_hosts[h].Id} hot (volume {hostVolume:0.###}); {_vms[i].Vm.Id} has the highest VSR ({vsr:0.######}/MiB) of the VMs that fit elsewhere; {_hosts[best].Id} is where it shares the most memory ({bestShared:0.#} MiB credited) among the hosts that hold its needs (volume {bestVolume:0.###})")
                        : Invariant(
                            $"{_hosts[h].Id} hot (volume {hostVolume:0.###}); {_vms[i].Vm.Id} has the highest VSR ({vsr:0.######}/MiB) of the VMs that fit elsewhere; {_hosts[best].Id} is the least loaded host that holds its needs (volume {bestVolume:0.###})");
                    _actions.Add(Move(i, best, reason, bestShared));
                    return true;
                }
            }

            return false;
        }

        private bool TrySwap(int h, List<(int Vm, double Volume, double Vsr)> candidates, double hostVolume)
        {
            if (_options.MaxSwapTargets == 0)
            {
                return false;
            }

            var targets = new List<(int Host, double Volume)>();
            for (var t = 0; t < _hosts.Length; t++)
            {
                if (t != h && !_hot[t])
                {
                    targets.Add((t, _volume[t]));
                }
            }

            targets.Sort(static (a, b) => a.Volume != b.Volume ? a.Volume.CompareTo(b.Volume) : a.Host.CompareTo(b.Host));
            if (targets.Count > _options.MaxSwapTargets)
            {
                targets.RemoveRange(_options.MaxSwapTargets, targets.Count - _options.MaxSwapTargets);
            }

            var currentVolume = _volume[h];
            foreach (var (hotVm, hotVolume, _) in candidates)
            {
                foreach (var (t, _) in targets)
                {
                    if (TryPickPartners(h, hotVm, hotVolume, t, currentVolume) is { } partners)
                    {
                        var reason = Invariant(
                            $"{_hosts[h].Id} hot (volume {hostVolume:0.###}) and no single migration fits; {_vms[hotVm].Vm.Id} trades places with {partners.Count} colder VM(s) of {_hosts[t].Id}");
                        var migrations = new List<SandpiperAction.Migrate> { Move(hotVm, t, reason) };
                        foreach (var partner in partners)
                        {
                            migrations.Add(Move(partner, h, reason));
                        }

                        _actions.Add(new SandpiperAction.Swap(migrations.ToArray(), reason));
                        return true;
                    }
                }
            }

            return false;
        }

        /// <summary>Colder VMs of <paramref name="t"/>, lowest VSR first, whose departure lets the hot VM in.</summary>
        private List<int>? TryPickPartners(int h, int hotVm, double hotVolume, int t, double sourceVolume)
        {
            var cold = new List<(int Vm, double Vsr)>();
            foreach (var c in _members[t])
            {
                if (!_movable[c] || _handled[c])
                {
                    continue;
                }

                var volume = Volume.Of(_footprint[c], _capacity[t]);
                if (volume < hotVolume)
                {
                    cold.Add((c, Volume.SizeRatio(volume, _vms[c].Vm.Allocation.MemoryMiB)));
                }
            }

            cold.Sort((a, b) => a.Vsr != b.Vsr ? a.Vsr.CompareTo(b.Vsr) : _vms[a.Vm].Vm.Id.Value.CompareTo(_vms[b.Vm].Vm.Id.Value));
            var arriving = _load[t] + _footprint[hotVm];
            var leaving = ResourceVector.Zero;
            var partners = new List<int>();
            foreach (var (c, _) in cold)
            {
                if (Fits(arriving - leaving, t) || partners.Count == _options.MaxSwapPartners)
                {
                    break;
                }

                partners.Add(c);
                leaving += _footprint[c];
            }

            if (partners.Count == 0 || !Fits(arriving - leaving, t))
            {
                return null;
            }

            // The hot host takes the partners back: never overcommitted, and strictly cooler than before.
            var sourceAfter = _load[h] - _footprint[hotVm] + leaving;
            return sourceAfter.FitsWithin(_capacity[h] + Epsilon(_capacity[h])) && Volume.Of(sourceAfter, _capacity[h]) < sourceVolume
                ? partners
                : null;
        }

        /// <summary>Credited MiB VM <paramref name="i"/> would share on host <paramref name="t"/> (0 without sharing).</summary>
        private double SharedOn(int i, int t) =>
            _sharing is null ? 0 : Math.Min(_sharing.CreditedSharedMiB(_vms[i].Vm.Id, _hosts[t].Id), _footprint[i].MemoryMiB);

        /// <summary>What VM <paramref name="i"/> adds to a host where it shares <paramref name="sharedMiB"/>.</summary>
        private ResourceVector Arriving(int i, double sharedMiB) =>
            _footprint[i] with { MemoryMiB = _footprint[i].MemoryMiB - sharedMiB };

        private SandpiperAction.Migrate Move(int i, int to, string reason, double sharedAtDestinationMiB = 0)
        {
            var from = _hostOf[i];
            var vm = _vms[i];
            var sharedAtSource = _sharing is null ? 0 : Math.Clamp(_sharing.VmSharedMiB.GetValueOrDefault(vm.Vm.Id), 0, _footprint[i].MemoryMiB);
            var leaving = _footprint[i] with { MemoryMiB = _footprint[i].MemoryMiB - sharedAtSource };
            var load = _load[from] - leaving;
            _load[from] = load with { MemoryMiB = Math.Max(0, load.MemoryMiB) };
            _load[to] += Arriving(i, sharedAtDestinationMiB);
            _volume[from] = Volume.Of(_load[from], _capacity[from]);
            _volume[to] = Volume.Of(_load[to], _capacity[to]);
            _members[from].Remove(i);
            _members[to].Add(i);
            _hostOf[i] = to;
            _handled[i] = true;
            return new SandpiperAction.Migrate(vm.Vm.Id, _hosts[from].Id, _hosts[to].Id, ResourceVector.Max(vm.Vm.Allocation, vm.Need), reason);
        }

        private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
    }
}
