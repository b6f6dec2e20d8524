using System.Globalization;

namespace Roost.Core.Migration;

/// <summary>
/// The source's side of a live migration, as a sans-I/O state machine: admit at the destination → start the stream →
/// watch its progress → on completion ask the destination to confirm it runs the guest → destroy the source's copy;
/// and every way out of that (refusal, unreachable or malformed peer, a timeout in any phase, the operator's cancel,
/// the source's QEMU dying, the destination or its QEMU dying, a confirmation that never comes).
/// </summary>
/// <remarks>
/// Invariants (property-tested over seeded interleavings of faults, with <see cref="IncomingMigration"/> at the other
/// end): the VM ends running exactly once, on the source or the destination, unless a crash of the source's QEMU
/// destroyed the only whole copy (<see cref="SourceOutcome.Lost"/>) or the destination never answers for
/// <see cref="MigrationSettings.ResolveTimeout"/> (<see cref="SourceOutcome.InDoubt"/>: paused and whole, never run
/// twice). The source resumes its guest only while the destination cannot run it: before the destination was asked to
/// confirm, or after it answered definitely that it holds nothing. Every phase but Idle and Finished has its deadline
/// armed. Not thread-safe: one driver feeds it inputs one at a time.
/// </remarks>
public sealed class SourceMigration
{
    private readonly SourceMigrationPlan _plan;
    private readonly MigrationSettings _settings;
    private readonly Dictionary<RequestId, Pending> _pending = [];
    private readonly MachineTimers _timers = new();
    private List<SourceOutput> _outputs = [];
    private long _lastRequest;
    private bool _sourceAlive = true;
    private bool _destinationMayHoldHalf;
    private bool _postCopyAsked;
    private bool _cancelled;
    private string _abortReason = "";
    private string _resumeError = "";
    private string _resolveReason = "";
    private string _sourceExitReason = "";
    private string _lastPeerError = "";
    private StreamProgress? _lastMoved;

    public SourceMigration(SourceMigrationPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.Settings.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(plan));
        }

        _plan = plan;
        _settings = plan.Settings;
    }

    private enum Pending
    {
        Admission,
        Start,
        Query,
        PostCopySwitch,
        Cancel,
        Resume,
        SettleConfirm,
        SettleAbort,
        BestEffortAbort,
    }

    public SourcePhase Phase { get; private set; } = SourcePhase.Idle;

    /// <summary>Set once, when <see cref="Phase"/> becomes Finished.</summary>
    public SourceOutcome? Outcome { get; private set; }

    /// <summary>QEMU's last progress report, if any.</summary>
    public StreamProgress? LastProgress { get; private set; }

    public bool IsFinished => Phase == SourcePhase.Finished;

    /// <summary>Whether the phase deadline is armed (true in every phase but Idle and Finished).</summary>
    public bool IsDeadlineArmed => _timers.IsArmed(TimerKind.Deadline);

    /// <summary>Whether the destination has been told the stream is complete (after which only its answer settles the VM).</summary>
    public bool ConfirmationSent { get; private set; }

    public IReadOnlyList<SourceOutput> Handle(SourceInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _outputs = [];
        switch (input)
        {
            case SourceInput.CancelRequested:
                OnCancel();
                break;
            case var _ when Phase == SourcePhase.Finished:
                break;
            case SourceInput.Begin when Phase == SourcePhase.Idle:
                Phase = SourcePhase.Admitting;
                _destinationMayHoldHalf = true;
                Request(Pending.Admission, id => new SourceOutput.RequestAdmission(id));
                Deadline(_settings.AdmitTimeout);
                break;
            case SourceInput.PeerAnswered answered:
                OnPeer(answered.Request, answered.Reply);
                break;
            case SourceInput.QemuAnswered answered:
                OnQemu(answered.Request, answered.Reply);
                break;
            case SourceInput.SourceQemuExited exited:
                OnSourceExited(exited.Reason);
                break;
            case SourceInput.TimerFired fired when _timers.TryFire(fired.Kind, fired.Generation):
                if (fired.Kind == TimerKind.Deadline)
                {
                    OnDeadline();
                }
                else
                {
                    OnPoll();
                }

                break;
            default:
                break;
        }

        return _outputs;
    }

    private string Vm => $"VM '{_plan.VmId}'";

    private string Destination => _plan.Destination;

    private void OnPeer(RequestId request, PeerReply reply)
    {
        if (!_pending.Remove(request, out var kind))
        {
            return;
        }

        if (kind == Pending.Admission && Phase == SourcePhase.Admitting)
        {
            OnAdmission(reply);
        }
        else if (kind is Pending.SettleConfirm or Pending.SettleAbort && Phase is SourcePhase.Confirming or SourcePhase.Resolving)
        {
            OnSettlement(reply);
        }
    }

    private void OnAdmission(PeerReply reply)
    {
        switch (reply)
        {
            case PeerReply.Admitted admitted:
                if (!MigrationTransport.TryTcp(_plan.DestinationHost, admitted.Port, out var transport, out var error))
                {
                    Abort($"migration of {Vm} to {Destination} aborted: the destination's admission is not usable ({error})", streamMayRun: false);
                    return;
                }

                Phase = SourcePhase.Starting;
                var parameters = new StreamParameters(_settings.MaxBandwidthBytesPerSecond, _settings.DowntimeLimit, _settings.Switchover.RequiresPostCopyRam);
                Request(Pending.Start, id => new SourceOutput.StartStreaming(id, transport, parameters));
                Deadline(_settings.StartTimeout);
                break;
            case PeerReply.Declined declined:
                _destinationMayHoldHalf = false;
                Abort($"migration of {Vm} to {Destination} refused: {declined.Reason}", streamMayRun: false);
                break;
            case PeerReply.Failed failed:
                Abort($"migration of {Vm} to {Destination} aborted: {failed.Reason}", streamMayRun: false);
                break;
            default:
                Abort($"migration of {Vm} to {Destination} aborted: the destination answered the admission with '{Kind(reply)}'", streamMayRun: false);
                break;
        }
    }

    /// <summary>The destination's answer to a confirmation or a fenced abort.</summary>
    private void OnSettlement(PeerReply reply)
    {
        switch (reply)
        {
            case PeerReply.Adopted:
                if (_sourceAlive)
                {
                    Emit(new SourceOutput.DestroySource());
                }

                Finish(new SourceOutcome.Completed(LastProgress));
                break;
            case PeerReply.Dropped or PeerReply.Declined:
                _destinationMayHoldHalf = false;
                var why = reply is PeerReply.Declined declined ? declined.Reason : "it dropped its copy";
                if (_sourceAlive)
                {
                    _abortReason = _cancelled
                        ? $"migration of {Vm} to {Destination} was cancelled ({why})"
                        : $"migration of {Vm} to {Destination} aborted: the destination did not take over ({why})";
                    Recover();
                }
                else
                {
                    Finish(new SourceOutcome.Lost($"migration of {Vm} to {Destination}: the source's QEMU died ({_sourceExitReason}) and the destination holds no whole copy ({why})"));
                }

                break;
            case PeerReply.Failed failed when Phase == SourcePhase.Confirming:
                Resolve($"the destination did not confirm: {failed.Reason}");
                break;
            case PeerReply.Failed failed:
                _lastPeerError = failed.Reason;
                break;
            default:
                _lastPeerError = $"the destination answered with '{Kind(reply)}'";
                if (Phase == SourcePhase.Confirming)
                {
                    Resolve(_lastPeerError);
                }

                break;
        }
    }

    private void OnQemu(RequestId request, QemuReply reply)
    {
        if (!_pending.Remove(request, out var kind))
        {
            return;
        }

        switch (kind)
        {
            case Pending.Start when Phase == SourcePhase.Starting:
                if (reply is QemuReply.Done)
                {
                    Phase = SourcePhase.Streaming;
                    Deadline(_settings.StallTimeout);
                    Poll(_settings.PollInterval);
                }
                else
                {
                    // The command may have started the stream before failing or timing out: cancel before resuming.
                    Abort($"migration of {Vm} to {Destination} aborted: the source's QEMU did not start the stream ({Reason(reply)})", streamMayRun: true);
                }

                break;
            case Pending.Start when Phase == SourcePhase.Cancelling:
                // The cancel may have reached QEMU before the start's last command: cancel again, after it.
                Request(Pending.Cancel, id => new SourceOutput.CancelStreaming(id));
                break;
            case Pending.Query when reply is QemuReply.Progress progress:
                OnProgress(progress.Value);
                break;
            case Pending.Resume when Phase == SourcePhase.Recovering:
                if (reply is QemuReply.Done)
                {
                    Finish(new SourceOutcome.Aborted($"{_abortReason}; the VM runs on the source", _cancelled));
                }
                else
                {
                    _resumeError = Reason(reply);
                    Poll(_settings.PollInterval);
                }

                break;
            default:
                // Cancel and post-copy switch answers change nothing: the next progress report tells.
                break;
        }
    }

    private void OnProgress(StreamProgress progress)
    {
        LastProgress = progress;
        switch (Phase)
        {
            case SourcePhase.Streaming or SourcePhase.PostCopy:
                if (_lastMoved is null || progress.TransferredBytes != _lastMoved.TransferredBytes || progress.Status != _lastMoved.Status)
                {
                    _lastMoved = progress;
                    Deadline(_settings.StallTimeout);
                }

                OnStreamStatus(progress);
                break;
            case SourcePhase.Cancelling when progress.IsOver && !_pending.ContainsValue(Pending.Start):
                // While the start is out, "none" may only mean QEMU has not run 'migrate' yet.
                Recover();
                break;
            default:
                break;
        }
    }

    private void OnStreamStatus(StreamProgress progress)
    {
        switch (progress.Status)
        {
            case StreamStatus.Completed:
                Phase = SourcePhase.Confirming;
                ConfirmationSent = true;
                Request(Pending.SettleConfirm, id => new SourceOutput.ConfirmAtDestination(id));
                Deadline(_settings.ConfirmTimeout);
                break;
            case StreamStatus.Failed:
                // The destination was never told to run the guest (only a confirmation does that), so the source may resume.
                Abort($"migration of {Vm} to {Destination} failed: {progress.Error ?? "QEMU gave no reason"}", streamMayRun: false);
                break;
            case StreamStatus.Cancelled or StreamStatus.None:
                Abort($"migration of {Vm} to {Destination} aborted: QEMU reports the stream {progress.Status.ToString().ToLowerInvariant()}", streamMayRun: false);
                break;
            case StreamStatus.PostCopyActive:
                Phase = SourcePhase.PostCopy;
                break;
            case StreamStatus.Setup or StreamStatus.Active or StreamStatus.Switchover
                when Phase == SourcePhase.Streaming && !_postCopyAsked && _settings.Switchover.RequiresPostCopyRam
                    && _settings.Switchover.Decide(progress) == SwitchoverDecision.StartPostCopy:
                _postCopyAsked = true;
                Request(Pending.PostCopySwitch, id => new SourceOutput.SwitchToPostCopy(id));
                break;
            default:
                break;
        }
    }

    private void OnSourceExited(string reason)
    {
        if (!_sourceAlive)
        {
            return;
        }

        _sourceAlive = false;
        _sourceExitReason = reason;
        switch (Phase)
        {
            case SourcePhase.Idle or SourcePhase.Admitting:
                Finish(new SourceOutcome.Lost($"migration of {Vm} to {Destination}: the source's QEMU exited before the stream started ({reason})"));
                break;
            case SourcePhase.Starting or SourcePhase.Streaming or SourcePhase.PostCopy or SourcePhase.Cancelling or SourcePhase.Recovering:
                // The stream may have completed before the crash: the destination's copy is then the VM. Ask it to run it.
                Resolve($"the source's QEMU exited ({reason})");
                break;
            case SourcePhase.Resolving:
                // From now on only the destination's copy can be the VM: ask it to run it.
                Resolve(_resolveReason);
                break;
            default:
                // Confirming: the destination's answer decides.
                break;
        }
    }

    private void OnCancel()
    {
        switch (Phase)
        {
            case SourcePhase.Idle or SourcePhase.Admitting:
                _cancelled = true;
                Emit(new SourceOutput.CancelAnswered(true, $"migration of {Vm} to {Destination}: cancelling"));
                Abort($"migration of {Vm} to {Destination} was cancelled", streamMayRun: false);
                break;
            case SourcePhase.Starting or SourcePhase.Streaming:
                _cancelled = true;
                Emit(new SourceOutput.CancelAnswered(true, $"migration of {Vm} to {Destination}: cancelling the stream"));
                Abort($"migration of {Vm} to {Destination} was cancelled", streamMayRun: true);
                break;
            case SourcePhase.PostCopy:
                Emit(new SourceOutput.CancelAnswered(false, $"migration of {Vm} to {Destination} is in post-copy: it cannot be cancelled, it completes or fails"));
                break;
            case SourcePhase.Confirming:
                _cancelled = true;
                Emit(new SourceOutput.CancelAnswered(true, $"migration of {Vm} to {Destination}: the stream is complete; asking the destination to drop its copy (if it already runs the VM, the migration completes)"));
                Resolve("cancelled by the operator after the stream completed");
                break;
            case SourcePhase.Resolving or SourcePhase.Cancelling or SourcePhase.Recovering:
                Emit(new SourceOutput.CancelAnswered(true, $"migration of {Vm} to {Destination} is already being {(Phase == SourcePhase.Resolving ? "settled with the destination" : "aborted")}"));
                break;
            default:
                Emit(new SourceOutput.CancelAnswered(false, $"{Vm} is not migrating"));
                break;
        }
    }

    private void OnDeadline()
    {
        static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.###} s");
        switch (Phase)
        {
            case SourcePhase.Admitting:
                Abort($"migration of {Vm} to {Destination} aborted: the destination did not admit the VM within {Seconds(_settings.AdmitTimeout)}", streamMayRun: false);
                break;
            case SourcePhase.Starting:
                Abort($"migration of {Vm} to {Destination} aborted: the source's QEMU did not start the stream within {Seconds(_settings.StartTimeout)}", streamMayRun: true);
                break;
            case SourcePhase.Streaming or SourcePhase.PostCopy:
                Abort($"migration of {Vm} to {Destination} aborted: the stream made no progress for {Seconds(_settings.StallTimeout)}", streamMayRun: true);
                break;
            case SourcePhase.Cancelling:
                Recover();
                break;
            case SourcePhase.Recovering:
                Finish(new SourceOutcome.Aborted(
                    $"{_abortReason}; the source's guest did not resume within {Seconds(_settings.ResumeTimeout)} ({(_resumeError.Length > 0 ? _resumeError : "no answer")})", _cancelled));
                break;
            case SourcePhase.Confirming:
                Resolve($"the destination did not confirm within {Seconds(_settings.ConfirmTimeout)}");
                break;
            case SourcePhase.Resolving:
                Finish(new SourceOutcome.InDoubt(
                    $"migration of {Vm} to {Destination}: {_resolveReason}, and no definite answer from the destination within {Seconds(_settings.ResolveTimeout)}"
                    + $" (last: {(_lastPeerError.Length > 0 ? _lastPeerError : "none")}); the source keeps its copy paused and whole"));
                break;
            default:
                break;
        }
    }

    private void OnPoll()
    {
        switch (Phase)
        {
            case SourcePhase.Streaming or SourcePhase.PostCopy or SourcePhase.Cancelling:
                if (!_pending.ContainsValue(Pending.Query))
                {
                    Request(Pending.Query, id => new SourceOutput.QueryProgress(id));
                }

                Poll(_settings.PollInterval);
                break;
            case SourcePhase.Resolving:
                SendSettlement();
                Poll(_settings.ResolveRetryInterval);
                break;
            case SourcePhase.Recovering when !_pending.ContainsValue(Pending.Resume):
                Request(Pending.Resume, id => new SourceOutput.ResumeSource(id));
                break;
            default:
                break;
        }
    }

    /// <summary>Leave the normal path: cancel the stream if it may run, then resume the source.</summary>
    private void Abort(string reason, bool streamMayRun)
    {
        _abortReason = reason;
        if (streamMayRun)
        {
            Phase = SourcePhase.Cancelling;
            Request(Pending.Cancel, id => new SourceOutput.CancelStreaming(id));
            Deadline(_settings.CancelTimeout);
            Poll(_settings.PollInterval);
        }
        else
        {
            Recover();
        }
    }

    private void Recover()
    {
        Phase = SourcePhase.Recovering;
        Request(Pending.Resume, id => new SourceOutput.ResumeSource(id));
        Deadline(_settings.ResumeTimeout);
    }

    /// <summary>Ask the destination until it answers definitely: drop its copy (source alive) or run it (source dead).</summary>
    /// <remarks>
    /// Either answer is definite (the destination serialises complete and abort), so a confirmation still in flight
    /// and a fenced abort may both be outstanding: whichever answers definitely first settles the VM.
    /// </remarks>
    private void Resolve(string reason)
    {
        if (Phase != SourcePhase.Resolving)
        {
            _resolveReason = reason;
            Phase = SourcePhase.Resolving;
            Deadline(_settings.ResolveTimeout);
            Poll(_settings.ResolveRetryInterval);
        }

        SendSettlement();
    }

    /// <summary>One attempt to settle, unless one of the same kind is still out (the driver answers every request in bounded time).</summary>
    private void SendSettlement()
    {
        if (_sourceAlive && !_pending.ContainsValue(Pending.SettleAbort))
        {
            Request(Pending.SettleAbort, id => new SourceOutput.AbortAtDestination(id));
        }
        else if (!_sourceAlive && !_pending.ContainsValue(Pending.SettleConfirm))
        {
            ConfirmationSent = true;
            Request(Pending.SettleConfirm, id => new SourceOutput.ConfirmAtDestination(id));
        }
    }

    private void Finish(SourceOutcome outcome)
    {
        // Nothing of this migration may run at the destination now: have it drop what it may hold (it also expires).
        if (_destinationMayHoldHalf && outcome is SourceOutcome.Aborted or SourceOutcome.Lost)
        {
            Request(Pending.BestEffortAbort, id => new SourceOutput.AbortAtDestination(id));
        }

        Phase = SourcePhase.Finished;
        Outcome = outcome;
        _timers.DisarmAll();
        Emit(new SourceOutput.Finished(outcome));
    }

    private void Request(Pending kind, Func<RequestId, SourceOutput> output)
    {
        var id = new RequestId(++_lastRequest);
        _pending[id] = kind;
        Emit(output(id));
    }

    private void Deadline(TimeSpan after) => Emit(new SourceOutput.ArmTimer(TimerKind.Deadline, after, _timers.Arm(TimerKind.Deadline)));

    private void Poll(TimeSpan after) => Emit(new SourceOutput.ArmTimer(TimerKind.Poll, after, _timers.Arm(TimerKind.Poll)));

    private void Emit(SourceOutput output) => _outputs.Add(output);

    private static string Reason(QemuReply reply) => reply is QemuReply.Failed failed ? failed.Reason : $"unexpected answer '{reply.GetType().Name}'";

    private static string Kind(PeerReply reply) => reply.GetType().Name.ToLowerInvariant();
}
