using System.Diagnostics;
using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Runs the destination's half of one migration: feeds an <see cref="IncomingMigration"/> its inputs from one loop and
/// carries out its outputs through the <see cref="HostAgent"/> (start the incoming QEMU, record the adoption, destroy,
/// release) and QMP. The adoption record is written in line, in output order, so no later destroy can be overtaken by
/// it. Once finished it stays as a tombstone answering late complete and abort calls from its outcome, until the agent
/// replaces or prunes it. With a relay secret the stream arrives through a <see cref="DestinationRelay"/> started with
/// the incoming QEMU (QEMU on loopback, the relay on the migration address; the admission answers the relay's port);
/// the relay is closed when the migration is over, and its failure breaks the QEMU's stream, so nothing is adopted.
/// </summary>
internal sealed class IncomingMigrationDriver : IAsyncDisposable
{
    private readonly IncomingMigration _machine;
    private readonly Dictionary<CallId, TaskCompletionSource<PeerReply>> _calls = [];
    private readonly TaskCompletionSource<PeerReply> _admission = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly MachineLoop<IncomingInput> _loop;
    private readonly HostAgent _agent;
    private readonly TimeProvider _time;
    private readonly Lock _vmGate = new();
    private long _lastCall;
    private readonly byte[]? _relaySecret;
    private QemuVm? _vm;
    private DestinationRelay? _relay;
    private bool _destroyed;

    public IncomingMigrationDriver(HostAgent agent, GuestSpec spec, string nonce, IncomingSettings settings, TimeProvider time, byte[]? relaySecret, string diskSocketDirectory)
    {
        Disk = spec.DiskMiB > 0 ? new IncomingDisk(diskSocketDirectory) : null;
        _relaySecret = relaySecret;
        _agent = agent;
        _time = time;
        Spec = spec;
        Nonce = nonce;
        FinishedAt = null;
        _loop = new MachineLoop<IncomingInput>(time);
        _machine = new IncomingMigration(spec.Id, settings);
    }

    public GuestSpec Spec { get; }

    /// <summary>The ticket nonce naming this migration: only calls with a ticket of the same nonce reach it.</summary>
    public string Nonce { get; }

    /// <summary>When the machine finished (the tombstone's age), or null while it runs.</summary>
    public long? FinishedAt { get; private set; }

    public QemuVm? Vm
    {
        get
        {
            lock (_vmGate)
            {
                return _vm;
            }
        }
    }

    /// <summary>The incoming VM's disk export, when it has a disk (moved by the source's mirror before the memory).</summary>
    internal IncomingDisk? Disk { get; }

    /// <summary>The secret of the disk's NBD relay pair (derived from the migration's), or null without a relay.</summary>
    internal byte[]? DiskRelaySecret => _relaySecret is null ? null : Roost.Core.Migration.Stream.RelaySecrets.DiskSecret(_relaySecret);

    /// <summary>The destination relay while the stream may still come through it (null without one).</summary>
    internal DestinationRelay? Relay => Volatile.Read(ref _relay);

    /// <summary>The answer to the admission: <see cref="PeerReply.Admitted"/> or <see cref="PeerReply.Declined"/>.</summary>
    public Task<PeerReply> Admission => _admission.Task;

    public void Start() => _loop.Start(new IncomingInput.Begin(), StepAsync);

    public void Post(IncomingInput input) => _loop.Post(input);

    /// <summary>A complete (or abort) call from the source: the machine's definite answer, when it gives it.</summary>
    public Task<PeerReply> CallAsync(bool isAbort)
    {
        var answer = new TaskCompletionSource<PeerReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_calls)
        {
            var call = new CallId(++_lastCall);
            _calls[call] = answer;
            if (!_loop.Post(isAbort ? new IncomingInput.AbortRequested(call) : new IncomingInput.CompleteRequested(call)))
            {
                _calls.Remove(call);
                answer.TrySetResult(new PeerReply.Failed("the incoming migration is closing"));
            }
        }

        return answer.Task;
    }

    /// <summary>Cancels the calls and commands still out (when the agent shuts down); otherwise each ends by its own timeout.</summary>
    public Task AbandonAsync() => _loop.AbandonAsync();

    public async ValueTask DisposeAsync()
    {
        await _loop.DisposeAsync().ConfigureAwait(false);
        lock (_calls)
        {
            foreach (var waiting in _calls.Values)
            {
                waiting.TrySetResult(new PeerReply.Failed("the agent is shutting down"));
            }
        }

        _admission.TrySetResult(new PeerReply.Failed("the agent is shutting down"));
        await CloseRelayAsync().ConfigureAwait(false);
        if (Disk is not null)
        {
            await Disk.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task StepAsync(IncomingInput input)
    {
        foreach (var output in _machine.Handle(input))
        {
            await ExecuteAsync(output).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(IncomingOutput output)
    {
        switch (output)
        {
            case IncomingOutput.ArmTimer timer:
                _loop.Arm(timer.Kind, timer.After, new IncomingInput.TimerFired(timer.Kind, timer.Generation));
                break;
            case IncomingOutput.LaunchIncoming launch:
                Qemu(launch.Request, async ct =>
                {
                    var (vm, port) = await _agent.LaunchIncomingAsync(this, _relaySecret is not null, ct).ConfigureAwait(false);
                    DestinationRelay? relay = null;
                    try
                    {
                        relay = _relaySecret is null ? null : await _agent.StartIncomingRelayAsync(_relaySecret, port, Disk is not null, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
                    {
                        await vm.DisposeAsync().ConfigureAwait(false);
                        return new QemuReply.Failed($"the migration relay cannot start: {e.Message}");
                    }

                    bool keep;
                    lock (_vmGate)
                    {
                        keep = !_destroyed;
                        _vm = keep ? vm : null;
                        _relay = keep ? relay : null;
                    }

                    if (!keep)
                    {
                        // Dropped while it started: nobody else will destroy it.
                        if (relay is not null)
                        {
                            await relay.DisposeAsync().ConfigureAwait(false);
                        }

                        await vm.DisposeAsync().ConfigureAwait(false);
                        return new QemuReply.Failed("dropped while starting");
                    }

                    return new QemuReply.Launched(relay?.Port ?? port);
                });
                break;
            case IncomingOutput.AnswerAdmission admission:
                _admission.TrySetResult(admission.Reply);
                break;
            case IncomingOutput.QueryRunState query:
                Qemu(query.Request, async ct => Relay is { Completion: { IsCompleted: true } done } && !(await done.ConfigureAwait(false)).Completed
                    ? new QemuReply.Failed($"the migration relay failed: {(await done.ConfigureAwait(false)).Failure}")
                    : new QemuReply.RunState(await Qmp().QueryStatusAsync(ct).ConfigureAwait(false)));
                break;
            case IncomingOutput.CommitAdoption commit:
                QemuReply committed;
                try
                {
                    _agent.CommitAdoption(this, Require());
                    committed = new QemuReply.Done();
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    committed = new QemuReply.Failed(e.Message);
                }

                Post(new IncomingInput.QemuAnswered(commit.Request, committed));
                break;
            case IncomingOutput.ResumeGuest resume:
                Qemu(resume.Request, async ct =>
                {
                    await Qmp().ContinueAsync(ct).ConfigureAwait(false);
                    return new QemuReply.Done();
                });
                break;
            case IncomingOutput.DestroyIncoming:
                QemuVm? destroyed;
                lock (_vmGate)
                {
                    _destroyed = true;
                    destroyed = _vm;
                }

                await CloseRelayAsync().ConfigureAwait(false);
                if (Disk is not null)
                {
                    await Disk.DisposeAsync().ConfigureAwait(false);
                }

                await _agent.DestroyIncomingAsync(this, destroyed).ConfigureAwait(false);
                break;
            case IncomingOutput.ReleaseReservation:
                _agent.ReleaseIncoming(this);
                break;
            case IncomingOutput.AnswerCall answer:
                lock (_calls)
                {
                    if (_calls.Remove(answer.Call, out var waiting))
                    {
                        waiting.TrySetResult(answer.Reply);
                    }
                }

                break;
            case IncomingOutput.Finished finished:
                FinishedAt = _time.GetTimestamp();
                _loop.StopTimers();
                _admission.TrySetResult(new PeerReply.Declined("the incoming migration is over"));
                if (finished.Outcome is IncomingOutcome.Adopted)
                {
                    _agent.AdoptIncoming(this, Require());
                }

                await CloseRelayAsync().ConfigureAwait(false);

                break;
            default:
                throw new UnreachableException($"unknown output {output}");
        }
    }

    private void Qemu(RequestId request, Func<CancellationToken, Task<QemuReply>> command) => _loop.Run(
        command,
        e => e is QmpException or QemuException or IOException or OperationCanceledException or InvalidOperationException or System.Net.Sockets.SocketException
            ? new QemuReply.Failed(e.Message)
            : null,
        reply => new IncomingInput.QemuAnswered(request, reply));

    private async Task CloseRelayAsync()
    {
        DestinationRelay? relay;
        lock (_vmGate)
        {
            relay = _relay;
            _relay = null;
        }

        if (relay is not null)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }
    }

    private QemuVm Require() => Vm ?? throw new InvalidOperationException($"VM '{Spec.Id}': the incoming QEMU is not running");

    private QmpClient Qmp() => Require().Qmp;
}
