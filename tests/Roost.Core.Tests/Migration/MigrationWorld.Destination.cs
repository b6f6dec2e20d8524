using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

/// <summary>The destination host: its agent (calls, machine, reservation, crash and restart) and its incoming QEMU.</summary>
internal sealed partial class MigrationWorld
{
    private readonly Dictionary<CallId, Action<PeerReply>> _callAnswers = [];
    private IncomingMigration? _machine;
    private IncomingQemu? _incoming;
    private Action<PeerReply>? _admissionAnswer;
    private bool _agentUp = true;
    private int _agentIncarnation;
    private bool _reserved;
    private bool _ledgerAdopted;
    private long _lastCall;
    private int _nextPort = 40_000;

    private enum CallKind
    {
        Admit,
        Complete,
        Abort,
    }

    private enum IncomingState
    {
        InMigrate,
        PausedWhole,
        Running,
    }

    private bool RunsHere => _incoming is { Alive: true, State: IncomingState.Running };

    /// <summary>
    /// A call from the source's agent: the answer reaches the machine once, first of the peer's answer and the caller's
    /// own timeout; the faults drop it, lose or malform or duplicate the answer, or deliver one late after the timeout.
    /// </summary>
    private void PeerCall(RequestId request, CallKind kind)
    {
        var answered = false;
        void Answer(PeerReply reply)
        {
            if (!answered)
            {
                answered = true;
                if (_resumeBlindly && kind == CallKind.Complete && reply is PeerReply.Failed && _sourceAlive)
                {
                    _sourceRun = SourceRun.Running;
                }

                SourceHandle(new SourceInput.PeerAnswered(request, reply));
            }
        }

        After(_httpTimeout, $"{kind} {request}: caller's timeout", () => Answer(new PeerReply.Failed("no answer within 10 s")));
        if (!_agentUp)
        {
            After(Millis(1, 5), $"{kind} {request}: connection refused", () => Answer(new PeerReply.Failed("connection refused")));
            return;
        }

        if (Fault(_faults.PeerDrop, "call dropped"))
        {
            Note($"{kind} {request}: dropped on the way");
            return;
        }

        var lost = Fault(_faults.PeerLoseReply, "answer lost") || Fault(_faults.PeerHang, "peer hangs");
        var malformed = Fault(_faults.PeerMalformed, "malformed answer");
        var duplicate = Fault(_faults.PeerDuplicate, "duplicated call and answer");
        var late = Fault(_faults.PeerLate, "late answer");
        After(Millis(1, 30), $"{kind} {request} reaches the destination", () => Deliver(kind, reply =>
        {
            if (lost)
            {
                Note($"{kind} {request}: answer lost");
                return;
            }

            var sent = malformed ? Malform(kind, reply) : reply;
            if (late)
            {
                After(_httpTimeout + Millis(1, 20_000), $"{kind} {request}: late answer {sent}", () => SourceHandle(new SourceInput.PeerAnswered(request, sent)));
                return;
            }

            After(Millis(1, 30), $"{kind} {request}: answer {sent}", () => Answer(sent));
            if (duplicate)
            {
                After(Millis(1, 200), $"{kind} {request}: answer {sent} again", () => SourceHandle(new SourceInput.PeerAnswered(request, sent)));
            }
        }));
        if (duplicate)
        {
            After(Millis(1, 100), $"{kind} {request} reaches the destination again", () => Deliver(kind, _ => { }));
        }
    }

    /// <summary>What a bounded, validating peer client turns a garbled answer into.</summary>
    private PeerReply Malform(CallKind kind, PeerReply reply) => kind == CallKind.Admit && reply is PeerReply.Admitted && _random.Next(2) == 0
        ? new PeerReply.Admitted(_random.Next(2) == 0 ? 0 : 70_000)
        : new PeerReply.Failed("the answer is not the expected JSON");

    /// <summary>The destination agent receives a call; <paramref name="respond"/> sends its answer back.</summary>
    private void Deliver(CallKind kind, Action<PeerReply> respond)
    {
        if (!_agentUp)
        {
            respond(new PeerReply.Failed("connection reset"));
            return;
        }

        var incarnation = _agentIncarnation;
        void Answer(PeerReply reply)
        {
            if (incarnation == _agentIncarnation)
            {
                respond(reply);
            }
        }

        if (kind == CallKind.Admit)
        {
            if (_machine is not null || RunsHere || _incoming is { Alive: true })
            {
                Answer(new PeerReply.Declined($"already has a VM '{VmId}'"));
                return;
            }

            if (Fault(_faults.PeerRefuse, "admission refused"))
            {
                Answer(new PeerReply.Declined("cannot admit: capacity exceeded"));
                return;
            }

            if (_reserved)
            {
                Violation("reservation: admitted twice");
            }

            _reserved = true;
            _machine = new IncomingMigration(VmId, _incomingSettings);
            _admissionAnswer = Answer;
            DestinationHandle(new IncomingInput.Begin());
            return;
        }

        if (_machine is null)
        {
            Answer(IncomingMigration.AnswerFromLedger(_ledgerAdopted, kind == CallKind.Abort, VmId));
            return;
        }

        var call = new CallId(++_lastCall);
        _callAnswers[call] = Answer;
        DestinationHandle(kind == CallKind.Complete ? new IncomingInput.CompleteRequested(call) : new IncomingInput.AbortRequested(call));
    }

    private void DestinationHandle(IncomingInput input)
    {
        var machine = _machine ?? throw new InvalidOperationException("no incoming machine");
        var outputs = machine.Handle(input);
        if (!machine.IsFinished && machine.Phase != IncomingPhase.Idle && !machine.IsDeadlineArmed)
        {
            Violation($"stuck: the incoming machine waits in {machine.Phase} with no deadline armed");
        }

        foreach (var output in outputs)
        {
            ApplyDestination(machine, output);
        }
    }

    private void ApplyDestination(IncomingMigration machine, IncomingOutput output)
    {
        var incarnation = _agentIncarnation;
        void Later(TimeSpan delay, string what, Action action) => After(delay, what, () =>
        {
            if (incarnation == _agentIncarnation && ReferenceEquals(machine, _machine))
            {
                action();
            }
        });

        TimeSpan QemuDelay() => Fault(_faults.SlowQemu, "slow QMP") ? Millis(200, 3000) : Millis(1, 20);

        switch (output)
        {
            case IncomingOutput.ArmTimer timer:
                Later(timer.After, $"destination {timer.Kind} timer #{timer.Generation}", () => DestinationHandle(new IncomingInput.TimerFired(timer.Kind, timer.Generation)));
                break;
            case IncomingOutput.LaunchIncoming launch:
                Later(Fault(_faults.SlowQemu, "slow QMP") ? Millis(500, 15_000) : Millis(50, 500), "incoming QEMU started", () =>
                {
                    if (Fault(_faults.LaunchFailure, "incoming QEMU fails to start"))
                    {
                        DestinationHandle(new IncomingInput.QemuAnswered(launch.Request, new QemuReply.Failed("QEMU exited at start")));
                        return;
                    }

                    _incoming = new IncomingQemu(_nextPort++);
                    DestinationHandle(new IncomingInput.QemuAnswered(launch.Request, new QemuReply.Launched(_incoming.Port)));
                });
                break;
            case IncomingOutput.AnswerAdmission admission:
                _admissionAnswer?.Invoke(admission.Reply);
                _admissionAnswer = null;
                break;
            case IncomingOutput.QueryRunState query:
                Later(QemuDelay(), "incoming QMP query-status", () => DestinationHandle(new IncomingInput.QemuAnswered(query.Request, _incoming is { Alive: true } q
                    ? new QemuReply.RunState(q.State switch { IncomingState.InMigrate => "inmigrate", IncomingState.PausedWhole => "paused", _ => "running" })
                    : new QemuReply.Failed("QEMU closed its QMP socket"))));
                break;
            case IncomingOutput.CommitAdoption commit:
                // The agent writes the record in line, in output order, so no later destroy can be overtaken by it.
                if (_incoming is not null)
                {
                    _incoming.Committed = true;
                }

                _ledgerAdopted = true;
                Later(Millis(1, 50), "adoption recorded", () => DestinationHandle(new IncomingInput.QemuAnswered(commit.Request, new QemuReply.Done())));
                break;
            case IncomingOutput.ResumeGuest resume:
                Later(QemuDelay(), "incoming QMP cont", () =>
                {
                    if (_incoming is { Alive: true, State: IncomingState.PausedWhole or IncomingState.Running } q)
                    {
                        q.State = IncomingState.Running;
                        DestinationHandle(new IncomingInput.QemuAnswered(resume.Request, new QemuReply.Done()));
                    }
                    else
                    {
                        DestinationHandle(new IncomingInput.QemuAnswered(resume.Request, new QemuReply.Failed("QEMU is not paused and whole")));
                    }
                });
                break;
            case IncomingOutput.DestroyIncoming:
                _ledgerAdopted = false;
                if (_incoming is { } destroyed)
                {
                    destroyed.Committed = false;
                    KillIncoming(destroyed, "destroyed by its agent");
                }

                break;
            case IncomingOutput.ReleaseReservation:
                if (!_reserved)
                {
                    Violation("reservation: released twice");
                }

                _reserved = false;
                break;
            case IncomingOutput.AnswerCall answer:
                if (_callAnswers.Remove(answer.Call, out var respond))
                {
                    respond(answer.Reply);
                }

                break;
            case IncomingOutput.Finished finished:
                Note($"incoming finished: {finished.Outcome}");
                if (finished.Outcome is IncomingOutcome.Dropped { Reason: var reason } && reason.Contains("expired", StringComparison.Ordinal))
                {
                    _salvageExpected = false;
                }

                break;
            default:
                throw new InvalidOperationException($"unknown output {output}");
        }
    }

    private void KillIncoming(string why)
    {
        if (Source.IsFinished || _incoming is not { Alive: true } incoming)
        {
            return;
        }

        _salvageExpected = false;
        if (incoming.State == IncomingState.Running || incoming.Committed)
        {
            // The VM's home died (once its adoption is recorded, the destination's copy is the VM): a crash, not the
            // migration, lost it. Its agent forgets it and its reservation.
            _crashExcused = true;
            if (_agentUp && _machine is null or { IsFinished: true })
            {
                _reserved = false;
            }
        }

        KillIncoming(incoming, why);
    }

    private void KillIncoming(IncomingQemu incoming, string why)
    {
        if (!incoming.Alive)
        {
            return;
        }

        Note($"incoming QEMU {why}");
        incoming.Alive = false;
        if (ReferenceEquals(incoming, _streamTarget))
        {
            FailStream("connection reset by the destination");
        }

        var machine = _machine;
        var incarnation = _agentIncarnation;
        if (machine is { IsFinished: false } && ReferenceEquals(incoming, _incoming))
        {
            After(Millis(1, 20), "incoming exit watcher", () =>
            {
                if (incarnation == _agentIncarnation && ReferenceEquals(machine, _machine))
                {
                    DestinationHandle(new IncomingInput.QemuExited(why));
                }
            });
        }
    }

    private void CrashAgent()
    {
        if (Source.IsFinished || !_agentUp)
        {
            return;
        }

        _agentUp = false;
        _agentIncarnation++;
        _machine = null;
        _callAnswers.Clear();
        _admissionAnswer = null;
        _salvageExpected = false;
        After(Millis(1000, 60_000), "destination agent restarts", RestartAgent);
    }

    /// <summary>As <c>HostAgent.RecoverAsync</c>: resume a recorded adoption, destroy an incoming half.</summary>
    private void RestartAgent()
    {
        _agentUp = true;
        _reserved = false;
        if (_incoming is { Alive: true } incoming)
        {
            if (incoming.Committed)
            {
                incoming.State = IncomingState.Running;
                _reserved = true;
            }
            else
            {
                KillIncoming(incoming, "killed by the restarted agent (an incoming half)");
            }
        }
    }

    private sealed class IncomingQemu(int port)
    {
        public int Port { get; } = port;

        public bool Alive { get; set; } = true;

        public IncomingState State { get; set; } = IncomingState.InMigrate;

        public bool Connected { get; set; }

        /// <summary>The adoption record on disk.</summary>
        public bool Committed { get; set; }
    }
}
