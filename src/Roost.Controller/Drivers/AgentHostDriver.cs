using System.Globalization;
using Roost.Controller.Drivers.Agents;
using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Power;
using Roost.Hypervisor.Agent;
using VmState = Roost.Controller.Store.VmState;

namespace Roost.Controller.Drivers;

/// <summary>
/// Real hosts: one <c>roost agent</c> per host, reached over its HTTP/JSON API. Host ids are the agents' positions in
/// <see cref="AgentFleet.Agents"/>; a VM <c>vm-N</c> on an agent is the controller's <see cref="VmId"/> N. Not
/// thread-safe: the control loop is its only caller (migrations run as background requests the loop only polls).
/// </summary>
/// <remarks>
/// Observation is black-box for CPU (QEMU's CPU seconds over the interval, in cores) and gray-box for memory (guest
/// total minus available), network (guest rx+tx bytes, Mbit/s) and swap (guest pages in+out, MiB/s). A live migration
/// asks the destination agent (with its own token) for a migration ticket, then the source agent (with its own token)
/// for <c>POST /api/vms/{id}/migrate</c> with that ticket, which answers when it is over: no agent's token ever reaches
/// another agent. Until then, and whenever an agent lists the VM as MigratingOut (also after a controller restart),
/// the VM is reported moving to the agent its migration names; a failed migration's reason (the agent's one line)
/// comes with the next observation of the VM. Each running guest's page fingerprint is read through its agent in the
/// background, while it runs (<see cref="FingerprintCollector"/>), for Memory Buddies' placement. Agents have no network cap and cannot resize a running VM: hosts get a nominal 1 Gbit/s, VMs
/// 100 Mbit/s, and resize commands are refused. Power is estimated with a linear 150–250 W model.
/// </remarks>
internal sealed partial class AgentHostDriver : IHostDriver, IDisposable
{
    private const double HostNetworkMbps = 1000;
    private const double VmNetworkMbps = 100;
    private static readonly LinearPowerModel _power = new(250, 0.6);

    private readonly AgentFleet _fleet;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;
    private readonly AgentClient[] _agents;
    private readonly ResourceVector[] _capacity;
    private readonly string?[] _problems;
    private readonly List<VmObservation>[] _lastVms;
    private readonly Dictionary<VmId, Counters> _counters = [];
    private readonly Dictionary<VmId, PendingMigration> _migrations = [];
    private readonly Dictionary<VmId, AgentReply<MigrationReport>> _settledMigrations = [];
    private readonly Dictionary<VmId, VmInfo> _agentVms = [];
    private readonly CancellationTokenSource _shutdown = new();
    private readonly FingerprintCollector _fingerprints;
    private TimeSpan _clockBase;
    private long _wallBase;

    public AgentHostDriver(AgentFleet fleet, TimeProvider time, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(time);
        _fleet = fleet;
        _time = time;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _agents = [.. fleet.Agents.Select(u => new AgentClient(_http, u, fleet.TokenFor(u)))];
        _capacity = new ResourceVector[_agents.Length];
        _problems = new string?[_agents.Length];
        _lastVms = [.. _agents.Select(_ => new List<VmObservation>())];
        _wallBase = time.GetTimestamp();
        _fingerprints = new FingerprintCollector(_http, time);
    }

    public string Description => string.Create(CultureInfo.InvariantCulture, $"agents ({_agents.Length})");

    public bool CanResize => false;

    /// <summary>Off until the loop turns it on (sharing placement): no guest RAM is read for nothing.</summary>
    public bool CollectFingerprints { get; set; }

    private TimeSpan Clock => _clockBase + _time.GetElapsedTime(_wallBase);

    /// <summary>Every agent must answer: the inventory cannot be seeded from a partial fleet.</summary>
    public async Task<DriverInventory> DiscoverAsync(CancellationToken cancellationToken)
    {
        var hosts = new List<StoredHost>();
        var vms = new List<StoredVm>();
        for (var h = 0; h < _agents.Length; h++)
        {
            var info = await DescribeOrThrowAsync(h, cancellationToken).ConfigureAwait(false);
            hosts.Add(new StoredHost(new HostId(h), info.Name, _capacity[h]));
            if (await _agents[h].ListAsync(cancellationToken).ConfigureAwait(false) is not AgentReply<VmInfo[]>.Ok { Value: var listed })
            {
                throw new IOException($"agent {_agents[h].BaseAddress}: cannot list its VMs");
            }

            foreach (var vm in listed.Where(v => v.State != Hypervisor.Agent.VmState.Incoming))
            {
                if (TryParseVmId(vm.Id, out var id) && !vms.Any(v => v.Id == id))
                {
                    vms.Add(new StoredVm(id, vm.Id, new HostId(h), Allocation(vm), VmState.Running, Image: vm.Image.Length > 0 ? vm.Image : null));
                }
            }
        }

        return new DriverInventory(hosts, [.. vms.OrderBy(v => v.Id.Value)]);
    }

    /// <summary>
    /// Checks that each reachable agent is the host the store knows at its position; an agent down now is taken
    /// from the store and reported unreachable until it answers. What really runs where is left to observation.
    /// </summary>
    public async Task AdoptAsync(IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, TimeSpan clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);
        for (var h = 0; h < _agents.Length; h++)
        {
            var stored = hosts.FirstOrDefault(x => x.Id.Value == h);
            if (stored is null)
            {
                throw new IOException($"--agents: agent #{h + 1} ({_agents[h].BaseAddress}) is not in the store, which knows {hosts.Count} host(s); use a fresh --data directory for a different fleet");
            }

            _capacity[h] = stored.Capacity;
            switch (await _agents[h].DescribeAsync(cancellationToken).ConfigureAwait(false))
            {
                case AgentReply<AgentInfo>.Ok { Value: var info } when info.Name != stored.Name:
                    throw new IOException($"--agents: agent #{h + 1} ({_agents[h].BaseAddress}) is '{info.Name}', but the store knows {stored.Id} as '{stored.Name}'; give the agents in the same order as on first start");
                case AgentReply<AgentInfo>.Ok { Value: var info }:
                    _capacity[h] = Capacity(info);
                    break;
                case AgentReply<AgentInfo>.Failed failed:
                    _problems[h] = failed.Detail;
                    break;
            }
        }

        foreach (var vm in vms)
        {
            if (vm is { State: VmState.Running or VmState.Stopping, Host: { } host } && host.Value < _agents.Length)
            {
                _lastVms[host.Value].Add(new VmObservation(vm.Id, host, vm.Allocation, default, null));
            }
        }

        _clockBase = clock;
        _wallBase = _time.GetTimestamp();
    }

    public Task<DriverResult> StartVmAsync(VmId vm, HostId host, ResourceVector allocation, string? image, CancellationToken cancellationToken)
    {
        if (host.Value < 0 || host.Value >= _agents.Length)
        {
            return Refuse($"{host} does not exist");
        }

        var request = new CreateVmRequest(AgentVmId(vm), Math.Max(1, (int)Math.Ceiling(allocation.CpuCores - 1e-9)), Math.Max(64, (int)Math.Ceiling(allocation.MemoryMiB)), Image: image);
        return ResultAsync(_agents[host.Value].CreateAsync(request, cancellationToken));
    }

    public Task<DriverResult> StopVmAsync(VmId vm, CancellationToken cancellationToken)
    {
        var host = HostOf(vm);
        return host is null
            ? Refuse($"{vm} is not running on any agent")
            : ResultAsync(_agents[host.Value.Value].DestroyAsync(AgentVmId(vm), cancellationToken));
    }

    /// <summary>Sends the migration to the source agent in the background and returns at once; observation tells the rest.</summary>
    public Task<DriverResult> StartMigrationAsync(VmId vm, HostId destination, ResourceVector allocation, CancellationToken cancellationToken)
    {
        if (_migrations.TryGetValue(vm, out var pending) && !pending.Outcome.IsCompleted)
        {
            return Refuse($"{vm} is already migrating");
        }

        if (HostOf(vm) is not { } source)
        {
            return Refuse($"{vm} is not running on any agent");
        }

        if (destination.Value < 0 || destination.Value >= _agents.Length || destination == source)
        {
            return Refuse($"{destination} is not another agent");
        }

        if (_problems[destination.Value] is { } down)
        {
            return Refuse($"{destination} is unreachable: {down}");
        }

        if (!_agentVms.TryGetValue(vm, out var known))
        {
            return Refuse($"{vm}: its size on {source} is not known yet");
        }

        var spec = new CreateVmRequest(known.Id, known.Cpus, known.MemoryMiB, known.Nic, known.DiskMiB > 0 ? known.DiskMiB : null, known.Image.Length > 0 ? known.Image : null);
        var bandwidth = _fleet.MigrationMiBps > 0 ? _fleet.MigrationMiBps : (int?)null;
        var outcome = MigrateInBackgroundAsync(_agents[source.Value], _agents[destination.Value], spec, bandwidth, _shutdown.Token);
        _migrations[vm] = new PendingMigration(source, destination, outcome);
        return Task.FromResult(DriverResult.Ok);
    }

    public Task<DriverResult> ResizeAsync(VmId vm, ResourceVector allocation, CancellationToken cancellationToken) =>
        Refuse("a roost agent cannot resize a running VM");

    public void Dispose()
    {
        _shutdown.Cancel();
        _http.Dispose();
        _shutdown.Dispose();
    }

    /// <summary>The agent's id of VM N: <c>vm-N</c>.</summary>
    internal static string AgentVmId(VmId vm) => vm.ToString();

    internal static bool TryParseVmId(string id, out VmId vm)
    {
        vm = default;
        if (id.StartsWith("vm-", StringComparison.Ordinal)
            && int.TryParse(id.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && AgentVmId(new VmId(n)) == id)
        {
            vm = new VmId(n);
            return true;
        }

        return false;
    }

    /// <summary>
    /// A ticket from the destination (its token), then the migration at the source (its token) with the ticket: the
    /// source agent's report, or the one line saying what failed and where (the agent's own reason).
    /// </summary>
    private static async Task<AgentReply<MigrationReport>> MigrateInBackgroundAsync(
        AgentClient source, AgentClient destination, CreateVmRequest spec, int? bandwidthMiBps, CancellationToken cancellationToken)
    {
        // Leave the loop's step at once: the request lasts as long as the migration.
        await Task.Yield();
        var issued = await destination.IssueTicketAsync(spec, cancellationToken).ConfigureAwait(false);
        if (issued is not AgentReply<TicketResponse>.Ok { Value: var ticket })
        {
            return new AgentReply<MigrationReport>.Failed($"no migration ticket: {((AgentReply<TicketResponse>.Failed)issued).Detail}", false);
        }

        var request = new MigrateRequest(destination.BaseAddress.ToString(), ticket.Ticket, bandwidthMiBps);
        return await source.MigrateAsync(spec.Id ?? "", request, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<DriverResult> ResultAsync<T>(Task<AgentReply<T>> call) => await call.ConfigureAwait(false) switch
    {
        AgentReply<T>.Failed failed => new DriverResult.Refused(failed.Detail),
        _ => DriverResult.Ok,
    };

    private static Task<DriverResult> Refuse(string reason) => Task.FromResult<DriverResult>(new DriverResult.Refused(reason));

    private static ResourceVector Capacity(AgentInfo info) => new(info.Capacity.Cpus, info.Capacity.MemoryMiB, HostNetworkMbps);

    private static ResourceVector Allocation(VmInfo vm) => new(vm.Cpus, vm.MemoryMiB, VmNetworkMbps);

    private async Task<AgentInfo> DescribeOrThrowAsync(int h, CancellationToken cancellationToken)
    {
        switch (await _agents[h].DescribeAsync(cancellationToken).ConfigureAwait(false))
        {
            case AgentReply<AgentInfo>.Ok { Value: var info }:
                _capacity[h] = Capacity(info);
                return info;
            case AgentReply<AgentInfo>.Failed failed:
                throw new IOException(failed.Detail);
            default:
                throw new InvalidOperationException("unreachable");
        }
    }

    private HostId? HostOf(VmId vm)
    {
        for (var h = 0; h < _lastVms.Length; h++)
        {
            if (_lastVms[h].Any(v => v.Vm == vm))
            {
                return new HostId(h);
            }
        }

        return null;
    }

    /// <summary>The last cumulative counters of a VM, to turn into rates; reset when the VM changes host (a new QEMU).</summary>
    private sealed record Counters(HostId Host, long Timestamp, double CpuSeconds, long NetBytes, long SwapPages);

    /// <summary>A migration this controller sent; <see cref="Outcome"/> is the source agent's report or problem.</summary>
    private sealed record PendingMigration(HostId From, HostId To, Task<AgentReply<MigrationReport>> Outcome);
}
