using System.Diagnostics;
using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Runs the destination's half of one migration: feeds an <see cref="IncomingMigration"/> its inputs from one loop and
/// carries out its outputs through the <see cref="HostAgent"/> (start the incoming QEMU, record the adoption, destroy,
/// release) and QMP. The adoption record is written in line, in output order, so no later destroy can be overtaken by
/// it. Once finished it stays as a tombstone answering late complete and abort calls from its outcome, until the agent
/// replaces or prunes it.
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
    private QemuVm? _vm;
    private bool _destroyed;

    public IncomingMigrationDriver(HostAgent agent, GuestSpec spec, string nonce, IncomingSettings settings, TimeProvider time)
    {
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
                    var (vm, port) = await _agent.LaunchIncomingAsync(this, ct).ConfigureAwait(false);
                    bool keep;
                    lock (_vmGate)
                    {
                        keep = !_destroyed;
                        _vm = keep ? vm : null;
                    }

                    if (!keep)
                    {
                        // Dropped while it started: nobody else will destroy it.
                        await vm.DisposeAsync().ConfigureAwait(false);
                        return new QemuReply.Failed("dropped while starting");
                    }

                    return new QemuReply.Launched(port);
                });
                break;
            case IncomingOutput.AnswerAdmission admission:
                _admission.TrySetResult(admission.Reply);
                break;
            case IncomingOutput.QueryRunState query:
                Qemu(query.Request, async ct => new QemuReply.RunState(await Qmp().QueryStatusAsync(ct).ConfigureAwait(false)));
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

    private QemuVm Require() => Vm ?? throw new InvalidOperationException($"VM '{Spec.Id}': the incoming QEMU is not running");

    private QmpClient Qmp() => Require().Qmp;
}
