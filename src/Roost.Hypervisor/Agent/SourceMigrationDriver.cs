using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration;
using Roost.Core.Migration.Disk;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Runs one outgoing migration: feeds a <see cref="SourceMigration"/> its inputs one at a time (from one loop) and
/// carries out its outputs, and nothing else: peer calls through <see cref="PeerClient"/> with the ticket, QMP commands
/// to the source's QEMU, timers from the injected <see cref="TimeProvider"/>. Every request it starts is answered back
/// to the machine, with a failure if it throws or times out.
/// </summary>
/// <remarks>
/// With a <see cref="SourceRelayPlan"/> the stream goes through a <see cref="SourceRelay"/> in this process: QEMU
/// migrates to the relay's Unix socket, the relay connects to the address the machine built (the destination agent's
/// host, the port it admitted with: its relay's), and the secret the relays prove is made here and sent only with the
/// ticketed admission. A relay that fails breaks QEMU's stream, which the machine sees as a failed stream (the VM
/// stays here); the destination is told "complete" only once the relay delivered the whole stream.
/// A VM with a disk (through the relay only) moves it first (<see cref="SourceDiskMove"/>, CloudNet's order): the
/// stream starts once the disk is synchronous, the destination is told "complete" only once the disk machine
/// completed (mirror ended whole, export closed), and an abort of either stops the other.
/// </remarks>
internal sealed class SourceMigrationDriver : IAsyncDisposable
{
    private readonly SourceMigration _machine;
    private readonly Queue<TaskCompletionSource<SourceOutput.CancelAnswered>> _cancels = new();
    private readonly TaskCompletionSource<SourceOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MachineLoop<SourceInput> _loop;
    private readonly TimeProvider _time;
    private readonly PeerClient _peers;
    private readonly QemuVm _vm;
    private readonly string _ticket;
    private readonly MigrationSettings _settings;
    private readonly Func<Task> _destroySource;
    private readonly long _started;
    private readonly SourceRelayPlan? _relayPlan;
    private readonly byte[]? _relaySecret;
    private readonly PassLog _passes = new();
    private readonly SourceDiskMove? _disk;
    private SourceRelay? _relay;
    private long? _confirmStarted;

    public SourceMigrationDriver(
        QemuVm vm, Uri destination, string ticket, MigrationSettings settings, PeerClient peers, TimeProvider time, Func<Task> destroySource, SourceRelayPlan? relay,
        DiskMigrationSettings? disk = null)
    {
        _relayPlan = relay;
        _relaySecret = relay is null ? null : RandomNumberGenerator.GetBytes(RelaySecrets.SecretBytes);
        if (vm.Spec.DiskMiB > 0)
        {
            if (relay is null || _relaySecret is null || disk is null)
            {
                throw new ArgumentException($"VM '{vm.Spec.Id}' has a disk: it moves only through the relay, with disk settings", nameof(relay));
            }

            _disk = new SourceDiskMove(vm, destination, ticket, _relaySecret, relay with { SocketDirectory = Path.Combine(relay.SocketDirectory, "disk") }, peers, disk, time,
                () =>
                {
                    DiskStoppedMemory = true;
                    Post(new SourceInput.CancelRequested());
                });

            // The stream's start waits for the disk's background copy, and the confirmation for the mirror's end.
            settings = settings with
            {
                StartTimeout = settings.StartTimeout + disk.CopyTimeout + 3 * disk.StepTimeout,
                ConfirmTimeout = settings.ConfirmTimeout + 4 * disk.StepTimeout,
            };
        }

        _vm = vm;
        Destination = destination;
        _ticket = ticket;
        _settings = settings;
        _peers = peers;
        _time = time;
        _destroySource = destroySource;
        _loop = new MachineLoop<SourceInput>(time);
        _started = time.GetTimestamp();
        _machine = new SourceMigration(new SourceMigrationPlan(vm.Spec.Id, destination.ToString(), destination.Host, settings));
        Snapshot = new MigrationProgress(destination.ToString(), "admitting", 0, 0, 0, 0, 0);
    }

    public Uri Destination { get; }

    /// <summary>What <c>GET /api/vms/{id}/migration</c> shows; replaced whole after every step.</summary>
    public MigrationProgress Snapshot { get; private set; }

    public Task<SourceOutcome> Outcome => _outcome.Task;

    /// <summary>From QEMU's "completed" to the destination's definite answer, once known.</summary>
    public TimeSpan Handover { get; private set; }

    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    public void Start() => _loop.Start(new SourceInput.Begin(), StepAsync);

    public void Post(SourceInput input) => _loop.Post(input);

    /// <summary>Asks the machine to cancel; the answer says whether it will and what happens.</summary>
    public Task<SourceOutput.CancelAnswered> CancelAsync()
    {
        var answer = new TaskCompletionSource<SourceOutput.CancelAnswered>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_cancels)
        {
            _cancels.Enqueue(answer);
            if (!_loop.Post(new SourceInput.CancelRequested()))
            {
                _cancels.Dequeue();
                answer.TrySetResult(new SourceOutput.CancelAnswered(false, $"VM '{_vm.Spec.Id}' is not migrating"));
            }
        }

        return answer.Task;
    }

    /// <summary>Cancels the calls and commands still out (when the agent shuts down); otherwise each ends by its own timeout.</summary>
    public Task AbandonAsync() => _loop.AbandonAsync();

    /// <summary>How the stream travels.</summary>
    public MigrationTransportKind Transport => _relayPlan is null ? MigrationTransportKind.Tcp : MigrationTransportKind.Relay;

    /// <summary>The pre-copy passes seen so far (from the progress the machine asked for).</summary>
    public IReadOnlyList<MigrationPass> Passes
    {
        get
        {
            lock (_passes)
            {
                return _passes.Passes;
            }
        }
    }

    /// <summary>Whether the disk machine stopped the memory's migration (its abort, not the operator's cancel).</summary>
    public bool DiskStoppedMemory { get; private set; }

    /// <summary>How the disk's move ended and what its NBD relay carried (null for a VM without a disk).</summary>
    public async Task<(DiskOutcome Outcome, RelayTraffic? Traffic)?> DiskResultAsync() =>
        _disk is null ? null : (await _disk.Outcome.ConfigureAwait(false), await _disk.TrafficAsync().ConfigureAwait(false));

    /// <summary>What the source's relay carried, once it finished (null over plain TCP or while it runs).</summary>
    public async Task<RelayResult?> RelayResultAsync() =>
        Volatile.Read(ref _relay) is { Completion.IsCompleted: true } relay ? await relay.Completion.ConfigureAwait(false) : null;

    public async ValueTask DisposeAsync()
    {
        await _loop.DisposeAsync().ConfigureAwait(false);
        if (_disk is not null)
        {
            await _disk.DisposeAsync().ConfigureAwait(false);
        }

        if (Interlocked.Exchange(ref _relay, null) is { } relay)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }

        if (_relayPlan is not null && Directory.Exists(_relayPlan.SocketDirectory))
        {
            Directory.Delete(_relayPlan.SocketDirectory, recursive: true);
        }
    }

    private async Task StepAsync(SourceInput input)
    {
        foreach (var output in _machine.Handle(input))
        {
            await ExecuteAsync(output).ConfigureAwait(false);
        }

        Snapshot = Describe();
        if (_machine.IsFinished)
        {
            lock (_cancels)
            {
                // Later cancels find the loop closed and are told at once; those already queued are answered here.
                _loop.Close();
            }
        }
    }

    private async Task ExecuteAsync(SourceOutput output)
    {
        var qmp = _vm.HasExited ? null : _vm.Qmp;
        switch (output)
        {
            case SourceOutput.ArmTimer timer:
                _loop.Arm(timer.Kind, timer.After, new SourceInput.TimerFired(timer.Kind, timer.Generation));
                break;
            case SourceOutput.RequestAdmission admit:
                Peer(admit.Request, ct => _peers.AdmitAsync(Destination, _ticket, _vm.Spec, _relaySecret, _settings.AdmitTimeout, ct));
                break;
            case SourceOutput.StartStreaming start:
                Qemu(start.Request, async ct =>
                {
                    if (_disk is not null)
                    {
                        _disk.Start();
                        if (await _disk.SynchronousAsync.WaitAsync(ct).ConfigureAwait(false) is { } diskFailure)
                        {
                            return new QemuReply.Failed(diskFailure);
                        }
                    }

                    var q = Require(qmp);
                    if (start.Parameters.PostCopyRam)
                    {
                        await q.SetPostCopyRamAsync(true, ct).ConfigureAwait(false);
                    }

                    await q.SetMigrationParametersAsync(start.Parameters.MaxBandwidthBytesPerSecond, start.Parameters.DowntimeLimit, ct).ConfigureAwait(false);
                    var uri = _relayPlan is null ? start.Transport.ToQemuUri() : await StartRelayAsync(_relayPlan, start.Transport, ct).ConfigureAwait(false);
                    await q.MigrateAsync(uri, ct).ConfigureAwait(false);
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.QueryProgress query:
                Qemu(query.Request, async ct =>
                {
                    var progress = (await Require(qmp).QueryMigrateAsync(ct).ConfigureAwait(false)).ToStreamProgress();
                    if (progress.Status == StreamStatus.Failed && Volatile.Read(ref _relay) is { Completion.IsCompleted: true } relay
                        && await relay.Completion.ConfigureAwait(false) is { Completed: false } broken)
                    {
                        // QEMU only saw its socket close: say why.
                        progress = progress with { Error = $"{progress.Error} (the relay: {broken.Failure})" };
                    }

                    lock (_passes)
                    {
                        _passes.Observe(progress);
                    }

                    return new QemuReply.Progress(progress);
                });
                break;
            case SourceOutput.SwitchToPostCopy postCopy:
                Qemu(postCopy.Request, async ct =>
                {
                    await Require(qmp).StartPostCopyAsync(ct).ConfigureAwait(false);
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.CancelStreaming cancel:
                _disk?.Cancel();
                Qemu(cancel.Request, async ct =>
                {
                    await Require(qmp).MigrateCancelAsync(ct).ConfigureAwait(false);
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.ResumeSource resume:
                Qemu(resume.Request, async ct =>
                {
                    var q = Require(qmp);
                    if (await q.QueryStatusAsync(ct).ConfigureAwait(false) != "running")
                    {
                        await q.ContinueAsync(ct).ConfigureAwait(false);
                    }

                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.ConfirmAtDestination confirm:
                _confirmStarted ??= _time.GetTimestamp();
                Peer(confirm.Request, async ct => (await DiskFailureAsync(ct).ConfigureAwait(false) ?? await RelayFailureAsync(ct).ConfigureAwait(false)) is { } undelivered
                    ? new PeerReply.Failed(undelivered)
                    : await _peers.CompleteAsync(Destination, _ticket, _vm.Spec.Id, _settings.ConfirmTimeout, ct).ConfigureAwait(false));
                break;
            case SourceOutput.AbortAtDestination abort:
                Peer(abort.Request, ct => _peers.AbortAsync(Destination, _ticket, _vm.Spec.Id, _settings.ConfirmTimeout, ct));
                break;
            case SourceOutput.DestroySource:
                await _destroySource().ConfigureAwait(false);
                break;
            case SourceOutput.CancelAnswered answered:
                lock (_cancels)
                {
                    if (_cancels.TryDequeue(out var waiting))
                    {
                        waiting.TrySetResult(answered);
                    }
                }

                break;
            case SourceOutput.Finished finished:
                if (finished.Outcome is not SourceOutcome.Completed && _disk is not null)
                {
                    _disk.MemoryEnded(finished.Outcome.Describe());
                    _disk.Cancel();
                }

                Handover = _confirmStarted is { } confirmed ? _time.GetElapsedTime(confirmed) : TimeSpan.Zero;
                _loop.StopTimers();
                _outcome.TrySetResult(finished.Outcome);
                break;
            default:
                throw new UnreachableException($"unknown output {output}");
        }
    }

    private void Peer(RequestId request, Func<CancellationToken, Task<PeerReply>> call) => _loop.Run(
        call,
        e => e is OperationCanceledException ? new PeerReply.Failed("abandoned") : null,
        reply => new SourceInput.PeerAnswered(request, reply));

    private void Qemu(RequestId request, Func<CancellationToken, Task<QemuReply>> command) => _loop.Run(
        command,
        e => e is QmpException or IOException or OperationCanceledException or InvalidOperationException or SocketException or UnauthorizedAccessException
            ? new QemuReply.Failed($"source QEMU: {e.Message}")
            : null,
        reply => new SourceInput.QemuAnswered(request, reply));

    /// <summary>
    /// Starts the source's relay towards <paramref name="transport"/> (host and port as the machine validated them)
    /// and returns the URI of its Unix socket for QEMU, in an owner-only directory.
    /// </summary>
    private async Task<string> StartRelayAsync(SourceRelayPlan plan, MigrationTransport transport, CancellationToken cancellationToken)
    {
        if (transport is not MigrationTransport.Tcp tcp)
        {
            throw new InvalidOperationException($"the relay cannot carry a stream over {transport}");
        }

        var address = await ResolveAsync(tcp.Host, cancellationToken).ConfigureAwait(false);
        PrivateFiles.CreateDirectory(plan.SocketDirectory);
        var relay = SourceRelay.Start(
            new IPEndPoint(address, tcp.Port), _relaySecret ?? [], plan.Codec, 1, plan.Timeouts, _time, plan.SocketDirectory, plan.SendBufferBytes);
        if (Interlocked.Exchange(ref _relay, relay) is { } previous)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }

        return relay.QemuUris[0];
    }

    /// <summary>The address of <paramref name="host"/> (the destination agent's, validated by the machine): itself if an IP address, else its first IPv4 or IPv6 address.</summary>
    internal static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        return addresses.FirstOrDefault(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            ?? throw new IOException($"the destination host '{host}' has no IP address");
    }

    /// <summary>
    /// Null for a VM without a disk, or once its disk machine completed (the memory having moved); else why the
    /// destination's disk is not whole (the destination must then not be told "complete").
    /// </summary>
    private async Task<string?> DiskFailureAsync(CancellationToken cancellationToken)
    {
        if (_disk is null)
        {
            return null;
        }

        _disk.MemoryEnded(null);
        return await _disk.Outcome.WaitAsync(cancellationToken).ConfigureAwait(false) is DiskOutcome.Aborted aborted
            ? $"the disk was not moved whole: {aborted.Reason}"
            : null;
    }

    /// <summary>Null when there is no relay or it delivered the whole stream; else why the destination cannot hold it whole.</summary>
    private async Task<string?> RelayFailureAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _relay) is not { } relay)
        {
            return null;
        }

        try
        {
            var result = await relay.Completion.WaitAsync(_settings.ConfirmTimeout, _time, cancellationToken).ConfigureAwait(false);
            return result.Completed ? null : $"the source's relay did not deliver the whole stream: {result.Failure}";
        }
        catch (TimeoutException)
        {
            await relay.AbortAsync("the stream was not delivered in time").ConfigureAwait(false);
            return $"the source's relay did not finish delivering the stream within {_settings.ConfirmTimeout.TotalSeconds:0} s";
        }
    }

    private QmpClient Require(QmpClient? qmp) =>
        qmp ?? throw new QmpException($"VM '{_vm.Spec.Id}': the source's QEMU has exited");

    private MigrationProgress Describe()
    {
        var last = _machine.LastProgress;
        var status = _machine.Phase switch
        {
            SourcePhase.Streaming when last is not null => last.Status.ToString().ToLowerInvariant(),
            SourcePhase.Finished => _machine.Outcome switch
            {
                SourceOutcome.Completed => "completed",
                SourceOutcome.Aborted { Cancelled: true } => "cancelled",
                SourceOutcome.Aborted => "aborted",
                SourceOutcome.Lost => "lost",
                _ => "in-doubt",
            },
            var phase => phase.ToString().ToLowerInvariant(),
        };
        return new MigrationProgress(
            Destination.ToString(),
            status,
            last?.TransferredBytes ?? 0,
            last?.RemainingBytes ?? 0,
            last?.TotalBytes ?? 0,
            last?.Rounds ?? 0,
            (long)Elapsed.TotalMilliseconds)
        {
            Reason = _machine.Outcome is SourceOutcome.Completed or null ? null : _machine.Outcome.Describe(),
        };
    }
}
