using System.Globalization;

namespace Roost.Core.Migration;

/// <summary>
/// The destination's side of a live migration, as a sans-I/O state machine: launch the incoming QEMU and answer the
/// admission → wait for the source to say the stream is complete → check the incoming QEMU holds it whole → record the
/// adoption durably → resume the guest → answer "adopted". Expires when nobody completes it; drops everything on an
/// abort, a dead QEMU or a timeout.
/// </summary>
/// <remarks>
/// The contract the source relies on: every answer to a complete or abort call is definite. <see cref="PeerReply.Adopted"/>
/// means the guest runs here; <see cref="PeerReply.Dropped"/> or <see cref="PeerReply.Declined"/> means nothing of
/// this migration runs here or ever will (the machine is then finished, its QEMU destroyed, its reservation released).
/// Calls that arrive while the adoption is being recorded or the guest resumed wait for the result, so an abort can
/// never race a resume. Every phase but Idle and Finished has its deadline armed. Not thread-safe: one driver feeds
/// it inputs one at a time.
/// </remarks>
public sealed class IncomingMigration
{
    private readonly string _vmId;
    private readonly IncomingSettings _settings;
    private readonly Dictionary<RequestId, Pending> _pending = [];
    private readonly List<(CallId Call, bool IsAbort)> _waiting = [];
    private readonly MachineTimers _timers = new();
    private List<IncomingOutput> _outputs = [];
    private long _lastRequest;
    private bool _admissionAnswered;

    public IncomingMigration(string vmId, IncomingSettings settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(vmId);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(settings));
        }

        _vmId = vmId;
        _settings = settings;
    }

    private enum Pending
    {
        Launch,
        RunState,
        Commit,
        Resume,
    }

    public IncomingPhase Phase { get; private set; } = IncomingPhase.Idle;

    /// <summary>Set once, when <see cref="Phase"/> becomes Finished.</summary>
    public IncomingOutcome? Outcome { get; private set; }

    public bool IsFinished => Phase == IncomingPhase.Finished;

    public bool IsDeadlineArmed => _timers.IsArmed(TimerKind.Deadline);

    /// <summary>
    /// How a destination answers a complete or abort call when it has no machine for the VM (its agent restarted, or
    /// the machine is long finished): from its durable ledger of adoptions (<see cref="IncomingOutput.CommitAdoption"/>
    /// writes the entry; only <see cref="IncomingOutput.DestroyIncoming"/> by the machine removes it). Not from what
    /// runs now: an adopted guest that later died was still adopted, and the source must not resume a stale copy.
    /// </summary>
    public static PeerReply AnswerFromLedger(bool adoptedHere, bool isAbort, string vmId) =>
        adoptedHere ? new PeerReply.Adopted()
        : isAbort ? new PeerReply.Dropped()
        : new PeerReply.Declined($"no incoming VM '{vmId}' here");

    public IReadOnlyList<IncomingOutput> Handle(IncomingInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _outputs = [];
        switch (input)
        {
            case IncomingInput.CompleteRequested complete:
                OnCall(complete.Call, isAbort: false);
                break;
            case IncomingInput.AbortRequested abort:
                OnCall(abort.Call, isAbort: true);
                break;
            case var _ when Phase == IncomingPhase.Finished:
                break;
            case IncomingInput.Begin when Phase == IncomingPhase.Idle:
                Phase = IncomingPhase.Launching;
                Request(Pending.Launch, id => new IncomingOutput.LaunchIncoming(id));
                Deadline(_settings.LaunchTimeout);
                break;
            case IncomingInput.QemuAnswered answered:
                OnQemu(answered.Request, answered.Reply);
                break;
            case IncomingInput.QemuExited exited when Phase != IncomingPhase.Idle:
                Drop($"the incoming QEMU of VM '{_vmId}' exited ({exited.Reason})");
                break;
            case IncomingInput.TimerFired fired when _timers.TryFire(fired.Kind, fired.Generation):
                if (fired.Kind == TimerKind.Deadline)
                {
                    OnDeadline();
                }
                else if (Phase == IncomingPhase.Verifying)
                {
                    if (!_pending.ContainsValue(Pending.RunState))
                    {
                        Request(Pending.RunState, id => new IncomingOutput.QueryRunState(id));
                    }

                    Poll();
                }

                break;
            default:
                break;
        }

        return _outputs;
    }

    private void OnCall(CallId call, bool isAbort)
    {
        switch (Phase)
        {
            case IncomingPhase.Finished:
                Emit(new IncomingOutput.AnswerCall(call, Outcome switch
                {
                    IncomingOutcome.Adopted => new PeerReply.Adopted(),
                    IncomingOutcome.Dropped when isAbort => new PeerReply.Dropped(),
                    IncomingOutcome.Dropped dropped => new PeerReply.Declined(dropped.Reason),
                    _ => throw new InvalidOperationException("a finished incoming migration has an outcome"),
                }));
                break;
            case IncomingPhase.Committing or IncomingPhase.Resuming:
                // The adoption is being decided: answer once it is.
                _waiting.Add((call, isAbort));
                break;
            case var _ when isAbort:
                _waiting.Add((call, true));
                Drop($"the source aborted the migration of VM '{_vmId}'");
                break;
            case IncomingPhase.AwaitingStream:
                _waiting.Add((call, false));
                Phase = IncomingPhase.Verifying;
                Request(Pending.RunState, id => new IncomingOutput.QueryRunState(id));
                Deadline(_settings.VerifyTimeout);
                Poll();
                break;
            case IncomingPhase.Verifying:
                _waiting.Add((call, false));
                break;
            default:
                // Idle or Launching: the stream cannot be complete before the admission was even answered.
                _waiting.Add((call, false));
                Drop($"VM '{_vmId}' was said to be complete before its admission was answered");
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
            case Pending.Launch when Phase == IncomingPhase.Launching:
                if (reply is QemuReply.Launched launched)
                {
                    _admissionAnswered = true;
                    Emit(new IncomingOutput.AnswerAdmission(new PeerReply.Admitted(launched.Port)));
                    Phase = IncomingPhase.AwaitingStream;
                    Deadline(_settings.StreamTimeout);
                }
                else
                {
                    Drop($"the incoming QEMU of VM '{_vmId}' did not start ({Reason(reply)})");
                }

                break;
            case Pending.RunState when Phase == IncomingPhase.Verifying:
                switch (reply)
                {
                    case QemuReply.RunState { Status: "paused" or "running" }:
                        // -S keeps a migrated guest paused; "paused" after "inmigrate" means the stream is whole.
                        Phase = IncomingPhase.Committing;
                        Request(Pending.Commit, id => new IncomingOutput.CommitAdoption(id));
                        Deadline(_settings.CommitTimeout);
                        break;
                    case QemuReply.RunState { Status: "inmigrate" or "prelaunch" or "finish-migrate" or "restore-vm" }:
                        break;
                    case QemuReply.RunState state:
                        Drop($"the incoming QEMU of VM '{_vmId}' is '{state.Status}', not holding the stream whole");
                        break;
                    default:
                        // A failed query is retried at the next poll; a dead QEMU is reported by QemuExited.
                        break;
                }

                break;
            case Pending.Commit when Phase == IncomingPhase.Committing:
                if (reply is QemuReply.Done)
                {
                    Phase = IncomingPhase.Resuming;
                    Request(Pending.Resume, id => new IncomingOutput.ResumeGuest(id));
                    Deadline(_settings.ResumeTimeout);
                }
                else
                {
                    Drop($"the adoption of VM '{_vmId}' could not be recorded ({Reason(reply)})");
                }

                break;
            case Pending.Resume when Phase == IncomingPhase.Resuming:
                if (reply is QemuReply.Done)
                {
                    Adopt();
                }
                else
                {
                    // Destroying the QEMU makes a half-done resume definite: the guest does not run here.
                    Drop($"the guest of VM '{_vmId}' did not resume ({Reason(reply)})");
                }

                break;
            default:
                break;
        }
    }

    private void OnDeadline()
    {
        static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.###} s");
        var reason = Phase switch
        {
            IncomingPhase.Launching => $"the incoming QEMU of VM '{_vmId}' did not start within {Seconds(_settings.LaunchTimeout)}",
            IncomingPhase.AwaitingStream => $"incoming VM '{_vmId}' expired: no complete stream within {Seconds(_settings.StreamTimeout)}",
            IncomingPhase.Verifying => $"the incoming QEMU of VM '{_vmId}' did not hold the stream whole within {Seconds(_settings.VerifyTimeout)}",
            IncomingPhase.Committing => $"recording the adoption of VM '{_vmId}' took over {Seconds(_settings.CommitTimeout)}",
            IncomingPhase.Resuming => $"the guest of VM '{_vmId}' did not resume within {Seconds(_settings.ResumeTimeout)}",
            _ => null,
        };
        if (reason is not null)
        {
            Drop(reason);
        }
    }

    private void Adopt()
    {
        foreach (var (call, _) in _waiting)
        {
            Emit(new IncomingOutput.AnswerCall(call, new PeerReply.Adopted()));
        }

        _waiting.Clear();
        Finish(new IncomingOutcome.Adopted());
    }

    /// <summary>Destroy the incoming half, release its reservation, answer everyone: nothing of the VM runs here.</summary>
    private void Drop(string reason)
    {
        if (!_admissionAnswered && Phase != IncomingPhase.Idle)
        {
            _admissionAnswered = true;
            Emit(new IncomingOutput.AnswerAdmission(new PeerReply.Declined(reason)));
        }

        Emit(new IncomingOutput.DestroyIncoming());
        Emit(new IncomingOutput.ReleaseReservation());
        foreach (var (call, isAbort) in _waiting)
        {
            Emit(new IncomingOutput.AnswerCall(call, isAbort ? new PeerReply.Dropped() : new PeerReply.Declined(reason)));
        }

        _waiting.Clear();
        Finish(new IncomingOutcome.Dropped(reason));
    }

    private void Finish(IncomingOutcome outcome)
    {
        Phase = IncomingPhase.Finished;
        Outcome = outcome;
        _timers.DisarmAll();
        Emit(new IncomingOutput.Finished(outcome));
    }

    private void Request(Pending kind, Func<RequestId, IncomingOutput> output)
    {
        var id = new RequestId(++_lastRequest);
        _pending[id] = kind;
        Emit(output(id));
    }

    private void Deadline(TimeSpan after) => Emit(new IncomingOutput.ArmTimer(TimerKind.Deadline, after, _timers.Arm(TimerKind.Deadline)));

    private void Poll() => Emit(new IncomingOutput.ArmTimer(TimerKind.Poll, _settings.PollInterval, _timers.Arm(TimerKind.Poll)));

    private void Emit(IncomingOutput output) => _outputs.Add(output);

    private static string Reason(QemuReply reply) => reply is QemuReply.Failed failed ? failed.Reason : $"unexpected answer '{reply.GetType().Name}'";
}
