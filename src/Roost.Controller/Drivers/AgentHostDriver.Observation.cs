using Roost.Controller.Drivers.Agents;
using Roost.Core.Model;
using Roost.Core.Monitoring;
using Roost.Hypervisor.Agent;
using AgentVmState = Roost.Hypervisor.Agent.VmState;

namespace Roost.Controller.Drivers;

/// <summary>Observing the agents: one concurrent round of list + stats calls per interval.</summary>
internal sealed partial class AgentHostDriver
{
    private const double MiB = 1024 * 1024;

    /// <summary>
    /// Asks every agent at once for its VMs and their statistics. An agent that does not answer keeps its last known
    /// VMs (at zero usage) and is reported with a problem, so a network hiccup is not mistaken for VMs vanishing.
    /// </summary>
    public async Task<ClusterObservation> ObserveAsync(CancellationToken cancellationToken)
    {
        var rounds = await Task.WhenAll(Enumerable.Range(0, _agents.Length).Select(h => ObserveAgentAsync(h, cancellationToken))).ConfigureAwait(false);
        var now = _time.GetTimestamp();

        // A VM listed twice is mid-hand-over: the copy not leaving its agent is the VM's home.
        var chosen = new Dictionary<VmId, (int Host, VmInfo Vm, VmStats? Stats, HostId? Destination)>();
        for (var h = 0; h < rounds.Length; h++)
        {
            if (rounds[h] is not { } round)
            {
                continue;
            }

            foreach (var (vm, stats, destination) in round)
            {
                if (TryParseVmId(vm.Id, out var id)
                    && (!chosen.TryGetValue(id, out var other) || (other.Vm.State == AgentVmState.MigratingOut && vm.State != AgentVmState.MigratingOut)))
                {
                    chosen[id] = (h, vm, stats, destination);
                }
            }
        }

        // A migration this controller sent: its report, or why it failed, goes with the VM's next observation off the move.
        foreach (var (vm, pending) in _migrations.Where(m => m.Value.Outcome.IsCompleted).ToList())
        {
            if (pending.Outcome.IsCompletedSuccessfully)
            {
                _settledMigrations[vm] = await pending.Outcome.ConfigureAwait(false);
            }

            _migrations.Remove(vm);
        }

        var vms = new List<VmObservation>();
        var usage = new ResourceVector[_agents.Length];
        for (var h = 0; h < rounds.Length; h++)
        {
            if (rounds[h] is null)
            {
                vms.AddRange(_lastVms[h].Select(v => v with { Sample = default }));
                continue;
            }

            var current = new List<VmObservation>();
            foreach (var (id, seen) in chosen.Where(c => c.Value.Host == h).OrderBy(c => c.Key.Value))
            {
                var sample = Sample(id, new HostId(h), seen.Stats, seen.Vm, now);
                var movingTo = MovingTo(id, seen.Destination);
                _agentVms[id] = seen.Vm;
                var settled = movingTo is null && _settledMigrations.Remove(id, out var reply) ? reply : null;
                current.Add(new VmObservation(id, new HostId(h), Allocation(seen.Vm), sample, movingTo)
                {
                    MigrationProblem = (settled as AgentReply<MigrationReport>.Failed)?.Detail,
                    MigrationReport = (settled as AgentReply<MigrationReport>.Ok)?.Value,
                });
                usage[h] += sample.Usage;
            }

            _lastVms[h].Clear();
            _lastVms[h].AddRange(current);
            vms.AddRange(current);
        }

        foreach (var gone in _counters.Keys.Where(id => !chosen.ContainsKey(id)).ToList())
        {
            _counters.Remove(gone);
        }

        foreach (var gone in _agentVms.Keys.Where(id => !chosen.ContainsKey(id) && rounds.All(r => r is not null)).ToList())
        {
            _agentVms.Remove(gone);
        }

        var hosts = new List<HostObservation>(_agents.Length);
        for (var h = 0; h < _agents.Length; h++)
        {
            var used = ResourceVector.Min(usage[h], _capacity[h]);
            var busy = _lastVms[h].Count > 0 && _problems[h] is null;
            var watts = busy ? _power.PowerWatts(Math.Clamp(used.CpuCores / Math.Max(1e-9, _capacity[h].CpuCores), 0, 1)) : 0;
            hosts.Add(new HostObservation(new HostId(h), used, watts) { Problem = _problems[h] });
        }

        // Guests running where they are (not moving) may be fingerprinted, only for sharing placement (CollectFingerprints);
        // a host not answering keeps its VMs' prints.
        var guests = chosen
            .Where(c => c.Value.Vm.State == AgentVmState.Running && MovingTo(c.Key, c.Value.Destination) is null)
            .Select(c => new FingerprintCollector.RunningGuest(c.Key, _agents[c.Value.Host].BaseAddress, _fleet.TokenFor(_fleet.Agents[c.Value.Host]), c.Value.Vm.Image, c.Value.Vm.MemoryMiB))
            .ToList();
        if (!CollectFingerprints || rounds.All(r => r is not null))
        {
            _fingerprints.Observe(guests, CollectFingerprints, _shutdown.Token);
        }

        return new ClusterObservation(Clock, hosts, [.. vms.OrderBy(v => v.Vm.Value)])
        {
            Fingerprints = _fingerprints.Current,
            FingerprintProblem = _fingerprints.LastProblem,
        };
    }

    /// <summary>A VM this controller is migrating is moving until its request returns; otherwise the agent says.</summary>
    private HostId? MovingTo(VmId id, HostId? agentSays) =>
        _migrations.TryGetValue(id, out var pending) && !pending.Outcome.IsCompleted ? pending.To : agentSays;

    /// <summary>One agent's VMs with their statistics and, for VMs leaving it, their destination; null when it did not answer.</summary>
    private async Task<List<(VmInfo Vm, VmStats? Stats, HostId? Destination)>?> ObserveAgentAsync(int h, CancellationToken cancellationToken)
    {
        var agent = _agents[h];
        if (_problems[h] is not null && await agent.DescribeAsync(cancellationToken).ConfigureAwait(false) is AgentReply<AgentInfo>.Ok { Value: var info })
        {
            _capacity[h] = Capacity(info);
        }

        if (await agent.ListAsync(cancellationToken).ConfigureAwait(false) is not AgentReply<VmInfo[]>.Ok { Value: var listed })
        {
            _problems[h] = $"agent {agent.BaseAddress} does not answer";
            return null;
        }

        _problems[h] = null;
        var result = new List<(VmInfo, VmStats?, HostId?)>();
        foreach (var vm in listed.Where(v => v.State != AgentVmState.Incoming))
        {
            var stats = await agent.StatsAsync(vm.Id, cancellationToken).ConfigureAwait(false) is AgentReply<VmStats>.Ok { Value: var s } ? s : null;
            HostId? destination = null;
            if (vm.State == AgentVmState.MigratingOut && await agent.MigrationAsync(vm.Id, cancellationToken).ConfigureAwait(false) is AgentReply<MigrationProgress>.Ok { Value: var migration })
            {
                var index = Array.FindIndex(_agents, a => a.BaseAddress.ToString() == migration.Destination);
                destination = index >= 0 ? new HostId(index) : null;
            }

            result.Add((vm, stats, destination));
        }

        return result;
    }

    /// <summary>Rates since the last observation of the same VM on the same host; zero on first sight.</summary>
    private UsageSample Sample(VmId id, HostId host, VmStats? stats, VmInfo vm, long now)
    {
        if (stats is null)
        {
            return default;
        }

        var guest = stats.Guest;
        var net = guest is null ? 0 : guest.NetRxBytes + guest.NetTxBytes;
        var swap = guest is null ? 0 : guest.SwapPagesIn + guest.SwapPagesOut;
        var memory = guest is { MemTotalKiB: > 0 }
            ? (guest.MemTotalKiB - guest.MemAvailableKiB) / 1024.0
            : Math.Min(stats.HostResidentBytes / MiB, vm.MemoryMiB);
        var counters = new Counters(host, now, stats.HostCpuSeconds, net, swap);
        var previous = _counters.GetValueOrDefault(id);
        _counters[id] = counters;
        if (previous is null || previous.Host != host || now <= previous.Timestamp)
        {
            return new UsageSample(new ResourceVector(0, memory, 0));
        }

        var seconds = _time.GetElapsedTime(previous.Timestamp, now).TotalSeconds;
        var cores = Math.Max(0, stats.HostCpuSeconds - previous.CpuSeconds) / seconds;
        var mbps = Math.Max(0, net - previous.NetBytes) * 8 / 1e6 / seconds;
        var swapMiBps = Math.Max(0, swap - previous.SwapPages) * 4096 / MiB / seconds;
        return new UsageSample(new ResourceVector(cores, memory, mbps), swapMiBps);
    }
}
