using System.Diagnostics;
using Roost.Core.Migration;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Qmp;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Runs one outgoing migration: feeds a <see cref="SourceMigration"/> its inputs one at a time (from one loop) and
/// carries out its outputs, and nothing else: peer calls through <see cref="PeerClient"/> with the ticket, QMP commands
/// to the source's QEMU, timers from the injected <see cref="TimeProvider"/>. Every request it starts is answered back
/// to the machine, with a failure if it throws or times out.
/// </summary>
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
    private long? _confirmStarted;

    public SourceMigrationDriver(
        QemuVm vm, Uri destination, string ticket, MigrationSettings settings, PeerClient peers, TimeProvider time, Func<Task> destroySource)
    {
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

    public ValueTask DisposeAsync() => _loop.DisposeAsync();

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
                Peer(admit.Request, ct => _peers.AdmitAsync(Destination, _ticket, _vm.Spec, _settings.AdmitTimeout, ct));
                break;
            case SourceOutput.StartStreaming start:
                Qemu(start.Request, async ct =>
                {
                    var q = Require(qmp);
                    if (start.Parameters.PostCopyRam)
                    {
                        await q.SetPostCopyRamAsync(true, ct).ConfigureAwait(false);
                    }

                    await q.SetMigrationParametersAsync(start.Parameters.MaxBandwidthBytesPerSecond, start.Parameters.DowntimeLimit, ct).ConfigureAwait(false);
                    await q.MigrateAsync(start.Transport.ToQemuUri(), ct).ConfigureAwait(false);
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.QueryProgress query:
                Qemu(query.Request, async ct => new QemuReply.Progress((await Require(qmp).QueryMigrateAsync(ct).ConfigureAwait(false)).ToStreamProgress()));
                break;
            case SourceOutput.SwitchToPostCopy postCopy:
                Qemu(postCopy.Request, async ct =>
                {
                    await Require(qmp).StartPostCopyAsync(ct).ConfigureAwait(false);
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.CancelStreaming cancel:
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
                Peer(confirm.Request, ct => _peers.CompleteAsync(Destination, _ticket, _vm.Spec.Id, _settings.ConfirmTimeout, ct));
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
        e => e is QmpException or IOException or OperationCanceledException or InvalidOperationException ? new QemuReply.Failed($"source QEMU: {e.Message}") : null,
        reply => new SourceInput.QemuAnswered(request, reply));

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
