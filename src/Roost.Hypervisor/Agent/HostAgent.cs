using System.Globalization;
using System.Text.RegularExpressions;
using Roost.Core.Migration;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// One physical host's agent: admits VMs against the declared capacity, runs them as QEMU processes, and live-migrates
/// them to peer agents. The VM table is guarded by one lock held only for table reads and writes, never across I/O.
/// A VM whose QEMU exits on its own is dropped from the table and its files removed.
/// </summary>
public sealed partial class HostAgent : IAsyncDisposable
{
    // A guest under TCG on a loaded host (CI runs test projects side by side) can take over 10 s to act on a command.
    private static readonly TimeSpan _commandTimeout = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, ManagedVm> _vms = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly PeerClient _peers;
    private readonly byte[] _ticketKey;
    private readonly CancellationTokenSource _closing = new();

    public HostAgent(AgentOptions options, TimeProvider time, PeerClient peers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(peers);
        if (options.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(options));
        }

        Options = options;
        _time = time;
        _peers = peers;
        _ticketKey = MigrationTicket.DeriveKey(options.Token);

        // It holds QMP sockets, migration tickets (in VM records) and the adoption ledger: owner only.
        PrivateFiles.CreateDirectory(options.EffectiveRunDirectory);
    }

    public AgentOptions Options { get; }

    public string Name => Options.Name;

    public AgentInfo Describe()
    {
        lock (_gate)
        {
            var reserved = new AgentCapacity(_vms.Values.Sum(v => v.Spec.Cpus), _vms.Values.Sum(v => v.Spec.MemoryMiB));
            return new AgentInfo(Name, Options.Capacity, reserved, Options.Accelerator.ToString().ToUpperInvariant(), Options.Image.KernelRelease, _vms.Count)
            {
                Images = Options.OfferedImages,
                MemoryOvercommit = Options.MemoryOvercommit,
            };
        }
    }

    /// <summary>Every VM this agent hosts (incoming ones included), ordered by id.</summary>
    public IReadOnlyList<VmInfo> List()
    {
        lock (_gate)
        {
            return [.. _vms.Values.OrderBy(v => v.Spec.Id, StringComparer.Ordinal).Select(v => v.ToInfo())];
        }
    }

    public AgentOutcome<VmInfo> Get(string id)
    {
        lock (_gate)
        {
            return _vms.TryGetValue(id, out var vm) ? new AgentOutcome<VmInfo>.Ok(vm.ToInfo()) : AgentProblem.UnknownVm(Name, id);
        }
    }

    /// <summary>Admits and boots a VM; returns once the guest's reporter has spoken.</summary>
    public async Task<AgentOutcome<VmInfo>> CreateAsync(GuestSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Admit(spec, VmState.Booting) is { } refusal)
        {
            return refusal;
        }

        var launch = LaunchFor(spec, incomingUri: null);
        QemuVm? vm = null;
        try
        {
            vm = await QemuVm.StartAsync(launch, _time, cancellationToken).ConfigureAwait(false);
            Attach(spec.Id, vm);
            await vm.WaitUntilReadyAsync(Options.BootTimeout, cancellationToken).ConfigureAwait(false);
            return SetState(spec.Id, vm, VmState.Running);
        }
        catch (Exception e) when (e is QemuException or Qmp.QmpException or OperationCanceledException or IOException)
        {
            Release(spec.Id, vm);
            if (vm is not null)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }

            return e is OperationCanceledException
                ? AgentProblem.Conflict($"start of VM '{spec.Id}' on agent '{Name}' was cancelled")
                : AgentProblem.HypervisorFailed($"agent '{Name}': {e.Message}");
        }
    }

    public Task<AgentOutcome<VmInfo>> PauseAsync(string id, CancellationToken cancellationToken) =>
        TransitionAsync(id, VmState.Running, VmState.Paused, (vm, ct) => vm.Qmp.StopAsync(ct), cancellationToken);

    public Task<AgentOutcome<VmInfo>> ResumeAsync(string id, CancellationToken cancellationToken) =>
        TransitionAsync(id, VmState.Paused, VmState.Running, (vm, ct) => vm.Qmp.ContinueAsync(ct), cancellationToken);

    /// <summary>Powers the guest off (gracefully, then by force) and forgets it.</summary>
    public Task<AgentOutcome<VmInfo>> StopAsync(string id, CancellationToken cancellationToken) =>
        RemoveAsync(id, graceful: true, cancellationToken);

    /// <summary>Kills QEMU at once and forgets the VM.</summary>
    public Task<AgentOutcome<VmInfo>> DestroyAsync(string id, CancellationToken cancellationToken) =>
        RemoveAsync(id, graceful: false, cancellationToken);

    public AgentOutcome<VmStats> Stats(string id)
    {
        if (Find(id, out var problem) is not { Vm: { } vm })
        {
            return problem ?? AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has no QEMU yet");
        }

        var host = vm.ReadProcessStats();
        return new AgentOutcome<VmStats>.Ok(new VmStats(id, host?.CpuTime.TotalSeconds ?? 0, host?.ResidentBytes ?? 0, vm.Reporter.Latest));
    }

    /// <summary>Reads guest RAM for fingerprinting: <paramref name="length"/> bytes from guest-physical <paramref name="offset"/>.</summary>
    public AgentOutcome<byte[]> ReadMemory(string id, long offset, int length)
    {
        if (Find(id, out var problem) is not { Vm: { } vm } managed)
        {
            return problem ?? AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has no QEMU yet");
        }

        // offset comes from the client, up to long.MaxValue: compared without adding, so it cannot overflow.
        var size = (long)managed.Spec.MemoryMiB * 1024 * 1024;
        if (offset < 0 || length <= 0 || offset > size - length)
        {
            return AgentProblem.BadRequest($"memory range offset={offset} length={length} is outside VM '{id}' RAM of {size} bytes");
        }

        var buffer = new byte[length];
        try
        {
            var read = vm.ReadMemory(offset, buffer);
            return new AgentOutcome<byte[]>.Ok(read == length ? buffer : buffer[..read]);
        }
        catch (IOException e)
        {
            return AgentProblem.HypervisorFailed($"VM '{id}': cannot read guest RAM {(vm.Launch.MergeableMemory ? $"through /proc/{vm.ProcessId}/mem" : $"file {vm.Launch.MemoryPath}")}: {e.Message}");
        }
    }

    /// <summary>
    /// Drives the guest reporter: busy-loop CPUs and/or hold memory. Holding memory fills a tmpfs file with
    /// pseudo-random bytes (<c>memtest fill</c>: splitmix64 from a random seed, where the guest's /dev/urandom cost about
    /// a second of emulated CPU a MiB under TCG); its time budget still grows with the size asked for (as
    /// <c>disk fill</c>'s does), since writing the pages costs emulated CPU too.
    /// </summary>
    public async Task<AgentOutcome<VmInfo>> LoadAsync(string id, int? busyCpus, int? holdMiB, CancellationToken cancellationToken)
    {
        var commands = new List<string>();
        var budget = _commandTimeout;
        if (busyCpus is { } cpus)
        {
            commands.Add(string.Create(CultureInfo.InvariantCulture, $"cpu {cpus}"));
        }

        if (holdMiB is { } mib)
        {
            commands.Add(string.Create(CultureInfo.InvariantCulture, $"mem {mib}"));
            budget += TimeSpan.FromSeconds(2.0 * Math.Min(mib, 1024));
        }

        return await GuestCommandsAsync(id, commands, cancellationToken, budget).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="plan"/> in the guest's load generator (disk loads on its virtual disk), or stops it (null).</summary>
    public Task<AgentOutcome<VmInfo>> LoadgenAsync(string id, LoadgenPlan? plan, CancellationToken cancellationToken) =>
        plan?.Validate() is { } invalid
            ? Task.FromResult<AgentOutcome<VmInfo>>(AgentProblem.BadRequest($"VM '{id}': load generator plan: {invalid}"))
            : GuestCommandsAsync(id, [plan is null ? "load stop" : "load " + string.Join(' ', plan.Arguments("/dev/vda"))], cancellationToken);

    /// <summary>
    /// Has the guest write <paramref name="mib"/> MiB of random data to the start of its virtual disk; null once done,
    /// else why not.
    /// </summary>
    public async Task<string?> GuestDiskAsync(string id, int mib, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mib);
        var filled = await GuestCommandsAsync(id, [string.Create(CultureInfo.InvariantCulture, $"disk fill {mib}")], cancellationToken, TimeSpan.FromSeconds(30 + mib)).ConfigureAwait(false);
        return filled is AgentOutcome<VmInfo>.Failed failed ? failed.Problem.Detail : null;
    }

    /// <summary>Has the guest read back (page cache dropped) what its last <c>disk fill</c> wrote: true when it matches.</summary>
    internal async Task<bool> GuestDiskIntactAsync(string id, CancellationToken cancellationToken)
    {
        if (Find(id, out _) is not { Vm: { } vm })
        {
            return false;
        }

        var (ack, failure) = await vm.RequestGuestAsync("disk check", TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        return failure is null && ack is { ValueKind: System.Text.Json.JsonValueKind.Object } answer
            && answer.TryGetProperty("value", out var value) && value.TryGetInt32(out var matched) && matched == 1;
    }

    /// <summary>Starts a valid <paramref name="app"/> in the guest, or stops the one that runs (null).</summary>
    public Task<AgentOutcome<VmInfo>> AppAsync(string id, AppRequest? app, CancellationToken cancellationToken) =>
        app?.Validate() is { } invalid
            ? Task.FromResult<AgentOutcome<VmInfo>>(AgentProblem.BadRequest($"VM '{id}': application: {invalid}"))
            : GuestCommandsAsync(id, [app is null ? "app stop" : string.Create(CultureInfo.InvariantCulture, $"app {app.Name} {app.Value}")], cancellationToken);

    /// <summary>
    /// Starts the BFT execution replica of a <c>bft-executor</c> guest: the deployment and key texts go to the guest
    /// over its reporter port in base64 chunks (a failure names the step, never the chunk), then the replica starts.
    /// </summary>
    public Task<AgentOutcome<VmInfo>> BftNodeAsync(string id, BftNodeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Validate() is { } invalid)
        {
            return Task.FromResult<AgentOutcome<VmInfo>>(AgentProblem.BadRequest($"VM '{id}': bft-node: {invalid}"));
        }

        // Every image's reporter knows 'bft': only a bft-executor guest may be handed replica keys.
        if (Find(id, out var problem) is not { } managed)
        {
            return Task.FromResult<AgentOutcome<VmInfo>>(problem!);
        }

        if (managed.Spec.Image != GuestProfile.BftExecutor.Name)
        {
            return Task.FromResult<AgentOutcome<VmInfo>>(AgentProblem.Conflict(
                $"VM '{id}' on agent '{Name}' runs image '{managed.Spec.Image}', not '{GuestProfile.BftExecutor.Name}': no replica keys go to it"));
        }

        var commands = new List<string> { "bft reset" };
        foreach (var (name, text) in new[] { ("deployment", request.Deployment!), ("keys", request.Keys!) })
        {
            var encoded = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(text));
            for (var at = 0; at < encoded.Length; at += 3000)
            {
                commands.Add($"bft file {name} {encoded[at..Math.Min(encoded.Length, at + 3000)]}");
            }
        }

        commands.Add($"bft start {request.Node} {request.StatusTo}");
        return GuestCommandsAsync(id, commands, cancellationToken, secret: true);
    }

    /// <summary>Has the guest keep <paramref name="text"/> in a page of its RAM.</summary>
    public Task<AgentOutcome<VmInfo>> MarkAsync(string id, string text, CancellationToken cancellationToken) =>
        GuestCommandsAsync(id, [$"mark {text}"], cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        List<ManagedVm> all;
        List<IncomingMigrationDriver> incoming;
        lock (_gate)
        {
            all = [.. _vms.Values];
            incoming = [.. _incoming.Values];
            _vms.Clear();
            _incoming.Clear();
        }

        foreach (var driver in incoming)
        {
            await driver.AbandonAsync().ConfigureAwait(false);
            await driver.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var managed in all)
        {
            if (managed.Outgoing is { } outgoing)
            {
                await outgoing.AbandonAsync().ConfigureAwait(false);
                await outgoing.DisposeAsync().ConfigureAwait(false);
            }

            if (managed.Vm is { } vm)
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // secret: the commands carry secrets, so a failure names only a command's first two words.
    private async Task<AgentOutcome<VmInfo>> GuestCommandsAsync(string id, IReadOnlyList<string> commands, CancellationToken cancellationToken, TimeSpan? timeout = null, bool secret = false)
    {
        if (Find(id, out var problem) is not { Vm: { } vm } managed)
        {
            return problem ?? AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has no QEMU yet");
        }

        if (managed.State != VmState.Running)
        {
            return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {managed.State}, not Running");
        }

        foreach (var command in commands)
        {
            var (ack, failure) = await vm.RequestGuestAsync(command, timeout ?? _commandTimeout, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                return AgentProblem.HypervisorFailed(secret ? $"VM '{id}' on agent '{Name}': the guest did not acknowledge '{string.Join(' ', command.Split(' ').Take(2))} …'" : failure);
            }

            if (ack is { ValueKind: System.Text.Json.JsonValueKind.Object } answer && answer.TryGetProperty("ack", out var verb) && verb.ValueEquals("error"))
            {
                return AgentProblem.HypervisorFailed($"VM '{id}' on agent '{Name}': the guest refused '{command.Split(' ')[0]}'");
            }
        }

        return new AgentOutcome<VmInfo>.Ok(managed.ToInfo());
    }

    private async Task<AgentOutcome<VmInfo>> TransitionAsync(
        string id, VmState from, VmState to, Func<QemuVm, CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        QemuVm vm;
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            if (managed.State != from || managed.Vm is null)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {managed.State}, not {from}");
            }

            vm = managed.Vm;
        }

        try
        {
            await action(vm, cancellationToken).ConfigureAwait(false);
        }
        catch (Qmp.QmpException e)
        {
            return AgentProblem.HypervisorFailed($"VM '{id}' on agent '{Name}': {e.Message}");
        }

        return SetState(id, vm, to);
    }

    private async Task<AgentOutcome<VmInfo>> RemoveAsync(string id, bool graceful, CancellationToken cancellationToken)
    {
        ManagedVm managed;
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var found))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            if (found.State is VmState.MigratingOut or VmState.Booting)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {found.State}; wait or cancel first");
            }

            if (found.State == VmState.Incoming)
            {
                return AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is an incoming migration; its source settles it (or it expires)");
            }

            managed = found;
            _vms.Remove(id);
        }

        if (managed.Vm is { } vm)
        {
            if (graceful && managed.State == VmState.Running)
            {
                await vm.StopAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }
        }

        return new AgentOutcome<VmInfo>.Ok(managed.ToInfo());
    }

    /// <summary>Reserves a slot for <paramref name="spec"/>, or says why not.</summary>
    private AgentProblem? Admit(GuestSpec spec, VmState state)
    {
        if (spec.Validate() is { } invalid)
        {
            return AgentProblem.BadRequest(invalid);
        }

        if ((RefuseUnknownNetwork(spec) ?? RefuseUnknownImage(spec)) is { } refused)
        {
            return refused;
        }

        lock (_gate)
        {
            if (_vms.ContainsKey(spec.Id))
            {
                return AgentProblem.Conflict($"agent '{Name}' already has a VM '{spec.Id}'");
            }

            var cpus = _vms.Values.Sum(v => v.Spec.Cpus) + spec.Cpus;
            var memory = _vms.Values.Sum(v => v.Spec.MemoryMiB) + spec.MemoryMiB;
            if (!Options.AdmissionLimit.Fits(cpus, memory))
            {
                return AgentProblem.CapacityExceeded(
                    $"agent '{Name}' cannot admit VM '{spec.Id}' (cpus={spec.Cpus}, memory={spec.MemoryMiB} MiB): "
                    + $"would reserve cpus={cpus},memory={memory} of capacity {Options.AdmissionLimit}");
            }

            // The slot names its image, the default one too, so the VM's description says what it booted.
            _vms[spec.Id] = new ManagedVm(spec with { Image = (Options.ImageFor(spec.Image) ?? Options.Image).Profile }, state);
            return null;
        }
    }

    private QemuLaunch LaunchFor(GuestSpec spec, string? incomingUri) =>
        new(Options.QemuBinary, Options.ImageFor(spec.Image) ?? Options.Image, spec, Options.Accelerator, Options.EffectiveRunDirectory, Options.MemoryPathFor(spec.Id), incomingUri,
            spec.Nic is null ? null : GuestNic.TapNameFor(Name, spec.Id),
            spec.Nic is null ? null : Options.Networks.GetValueOrDefault(spec.Nic.Network))
        {
            MergeableMemory = Options.MergeableMemory,
        };

    /// <summary>A problem when <paramref name="spec"/> asks for an image this agent does not offer, else null.</summary>
    private AgentProblem? RefuseUnknownImage(GuestSpec spec) =>
        Options.ImageFor(spec.Image) is null
            ? AgentProblem.Conflict($"agent '{Name}' has no image '{spec.Image}' for VM '{spec.Id}' (it offers: {string.Join(", ", Options.OfferedImages)})")
            : null;

    /// <summary>A problem when <paramref name="spec"/>'s NIC asks for a network this agent does not offer, else null.</summary>
    private AgentProblem? RefuseUnknownNetwork(GuestSpec spec) =>
        spec.Nic is { } nic && !Options.Networks.ContainsKey(nic.Network)
            ? AgentProblem.Conflict($"agent '{Name}' has no network '{nic.Network}' for VM '{spec.Id}' (it offers: {(Options.Networks.Count == 0 ? "none" : string.Join(", ", Options.Networks.Keys.Order(StringComparer.Ordinal)))})")
            : null;

    private void Attach(string id, QemuVm vm, bool incoming = false)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(id, out var managed))
            {
                managed.Vm = vm;
            }
        }

        WriteRecord(vm, incoming, migratingTo: null);
        _ = WatchExitAsync(id, vm);
    }

    /// <summary>
    /// Writes what a restarted agent needs to take the VM over (owner-only: it may hold a migration ticket). Replaced
    /// whole (write, then rename).
    /// </summary>
    private static void WriteRecord(QemuVm vm, bool incoming, string? migratingTo, string? ticket = null, bool migratedIn = false)
    {
        var record = new VmRecord(vm.Spec.Id, vm.Spec.Cpus, vm.Spec.MemoryMiB, incoming, migratingTo) { Ticket = ticket, MigratedIn = migratedIn, DiskMiB = vm.Spec.DiskMiB, Image = vm.Spec.Image, Nic = vm.Spec.Nic is { } nic ? new NicRequest(nic.Network, nic.Address, nic.Gateway) : null };
        WriteDurably(vm.Launch.RecordFile, System.Text.Json.JsonSerializer.Serialize(record));
    }

    /// <summary>
    /// When QEMU exits on its own (guest powered off, crash, kill), forget the VM and remove its files; a VM in a
    /// migration is the migration's to settle: its machine is told instead.
    /// </summary>
    private async Task WatchExitAsync(string id, QemuVm vm)
    {
        await vm.Exited.ConfigureAwait(false);
        bool owned = false;
        SourceMigrationDriver? outgoing = null;
        IncomingMigrationDriver? incoming = null;
        lock (_gate)
        {
            if (_vms.TryGetValue(id, out var managed) && ReferenceEquals(managed.Vm, vm))
            {
                (outgoing, incoming) = (managed.Outgoing, managed.Incoming);
                owned = outgoing is null && incoming is null && managed.State != VmState.Booting;
                if (owned)
                {
                    _vms.Remove(id);
                }
            }
        }

        outgoing?.Post(new SourceInput.SourceQemuExited($"QEMU exited: {vm.LastError}"));
        incoming?.Post(new IncomingInput.QemuExited($"QEMU exited: {vm.LastError}"));
        if (owned)
        {
            await vm.DisposeAsync().ConfigureAwait(false);
        }
    }

    private AgentOutcome<VmInfo> SetState(string id, QemuVm vm, VmState state)
    {
        lock (_gate)
        {
            if (!_vms.TryGetValue(id, out var managed) || !ReferenceEquals(managed.Vm, vm))
            {
                return AgentProblem.UnknownVm(Name, id);
            }

            managed.State = state;
            return new AgentOutcome<VmInfo>.Ok(managed.ToInfo());
        }
    }

    private void Release(string id, QemuVm? vm)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(id, out var managed) && (managed.Vm is null || ReferenceEquals(managed.Vm, vm)))
            {
                _vms.Remove(id);
            }
        }
    }

    private ManagedVm? Find(string id, out AgentProblem? problem)
    {
        lock (_gate)
        {
            if (_vms.TryGetValue(id, out var managed))
            {
                problem = null;
                return managed;
            }
        }

        problem = AgentProblem.UnknownVm(Name, id);
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    internal static partial Regex MarkerPattern();
}
