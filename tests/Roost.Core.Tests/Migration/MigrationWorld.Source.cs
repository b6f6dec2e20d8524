using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

/// <summary>The source host: its QEMU (run state, the outgoing stream) and its agent interpreting the machine's outputs.</summary>
internal sealed partial class MigrationWorld
{
    private const long RamBytes = 128L * 1024 * 1024;

    private bool _sourceAlive = true;
    private bool _sourceCrashed;
    private SourceRun _sourceRun = SourceRun.Running;
    private StreamStatus _stream = StreamStatus.None;
    private string? _streamError;
    private TimeSpan _streamStart;
    private TimeSpan _streamDuration;
    private TimeSpan? _stallAt;
    private IncomingQemu? _streamTarget;
    private bool _abortSent;
    private bool _salvageExpected;
    private TimeSpan _qmpBusyUntil;

    private enum SourceRun
    {
        Running,
        Paused,
    }

    private void SourceHandle(SourceInput input)
    {
        var outputs = Source.Handle(input);
        if (!Source.IsFinished && Source.Phase != SourcePhase.Idle && !Source.IsDeadlineArmed)
        {
            Violation($"stuck: the source machine waits in {Source.Phase} with no deadline armed");
        }

        foreach (var output in outputs)
        {
            ApplySource(output);
        }
    }

    private void ApplySource(SourceOutput output)
    {
        switch (output)
        {
            case SourceOutput.ArmTimer timer:
                After(timer.After, $"source {timer.Kind} timer #{timer.Generation}", () => SourceHandle(new SourceInput.TimerFired(timer.Kind, timer.Generation)));
                break;
            case SourceOutput.RequestAdmission request:
                PeerCall(request.Request, CallKind.Admit);
                break;
            case SourceOutput.StartStreaming start:
                if (start.Transport is not MigrationTransport.Tcp { Host: DestinationHost } tcp)
                {
                    Violation($"transport: QEMU was given {start.Transport.ToQemuUri()}, not the destination agent's host");
                    return;
                }

                // Two commands, as the agent sends them: a cancel can land between the parameters and 'migrate'.
                Qmp("migrate-set-parameters", () => new QemuReply.Done(), reply =>
                {
                    if (reply is QemuReply.Done)
                    {
                        Qmp(start.Request, "migrate", () =>
                        {
                            StartStream(tcp.Port);
                            return new QemuReply.Done();
                        });
                    }
                    else
                    {
                        SourceHandle(new SourceInput.QemuAnswered(start.Request, reply));
                    }
                });
                break;
            case SourceOutput.QueryProgress query:
                Qmp(query.Request, "query-migrate", () => new QemuReply.Progress(Report()));
                break;
            case SourceOutput.SwitchToPostCopy postCopy:
                Qmp(postCopy.Request, "migrate-start-postcopy", () => new QemuReply.Failed("post-copy is not modelled"));
                break;
            case SourceOutput.CancelStreaming cancel:
                Qmp(cancel.Request, "migrate_cancel", () =>
                {
                    CancelStream();
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.ResumeSource resume:
                Qmp(resume.Request, "cont", () =>
                {
                    _sourceRun = SourceRun.Running;
                    return new QemuReply.Done();
                });
                break;
            case SourceOutput.ConfirmAtDestination confirm:
                PeerCall(confirm.Request, CallKind.Complete);
                break;
            case SourceOutput.AbortAtDestination abort:
                _abortSent = true;
                PeerCall(abort.Request, CallKind.Abort);
                break;
            case SourceOutput.DestroySource:
                if (_stream is StreamStatus.Active or StreamStatus.Cancelling)
                {
                    Violation("lost: the source was destroyed while its stream still ran");
                }

                Note("source QEMU destroyed");
                _sourceAlive = false;
                break;
            case SourceOutput.CancelAnswered answered:
                Note($"cancel answered: {(answered.Accepted ? "accepted" : "refused")}: {answered.Detail}");
                break;
            case SourceOutput.Finished finished:
                Note($"source finished: {finished.Outcome}");
                break;
            default:
                throw new InvalidOperationException($"unknown output {output}");
        }
    }

    /// <summary>A QMP command whose answer goes to the machine.</summary>
    private void Qmp(RequestId request, string command, Func<QemuReply> run) =>
        Qmp($"{command} ({request})", run, reply => SourceHandle(new SourceInput.QemuAnswered(request, reply)));

    /// <summary>
    /// A QMP command: QEMU runs the commands of one connection in order, each after a short (sometimes long) delay,
    /// failing once QEMU is dead.
    /// </summary>
    private void Qmp(string command, Func<QemuReply> run, Action<QemuReply> answer)
    {
        var delay = Fault(_faults.SlowQemu, "slow QMP") ? Millis(200, 3000) : Millis(1, 20);
        _qmpBusyUntil = Now + delay > _qmpBusyUntil ? Now + delay : _qmpBusyUntil + TimeSpan.FromMilliseconds(1);
        At(_qmpBusyUntil, $"source QMP {command}", () => answer(_sourceAlive ? run() : new QemuReply.Failed("QEMU closed its QMP socket")));
    }

    private void StartStream(int port)
    {
        _stream = StreamStatus.Active;
        _streamStart = Now;
        _streamDuration = Millis(300, 5000);
        _stallAt = Fault(_faults.StreamStall, "stream stalls") ? Now + Millis(0, 3000) : null;
        _streamTarget = _incoming is { Alive: true, State: IncomingState.InMigrate, Connected: false } listening && listening.Port == port ? listening : null;
        if (_streamTarget is null)
        {
            After(Millis(1, 10), "stream: connection refused", () => FailStream("connection refused"));
            return;
        }

        _streamTarget.Connected = true;
        var target = _streamTarget;
        if (_stallAt is null)
        {
            At(_streamStart + _streamDuration, "stream reaches its end", () =>
            {
                if (_stream == StreamStatus.Active && _sourceAlive && target.Alive && ReferenceEquals(target, _streamTarget))
                {
                    _stream = StreamStatus.Completed;
                    _sourceRun = SourceRun.Paused;
                    target.State = IncomingState.PausedWhole;
                }
            });
        }
    }

    private void CancelStream()
    {
        if (_stream != StreamStatus.Active)
        {
            return;
        }

        var completesAt = _streamStart + _streamDuration;
        if (_stallAt is null && completesAt - Now < TimeSpan.FromMilliseconds(50))
        {
            Note("migrate_cancel too late: the stream completes anyway");
            return;
        }

        _stream = StreamStatus.Cancelling;
        After(Millis(10, 300), "stream cancelled", () =>
        {
            if (_stream == StreamStatus.Cancelling)
            {
                _stream = StreamStatus.Cancelled;
                BreakIncoming("its stream was cancelled");
            }
        });
    }

    private void FailStream(string error)
    {
        if (_stream is StreamStatus.Active or StreamStatus.Cancelling)
        {
            _stream = StreamStatus.Failed;
            _streamError = error;
            BreakIncoming($"its stream failed ({error})");
        }
    }

    /// <summary>An incoming QEMU whose stream breaks before completing exits, as QEMU does.</summary>
    private void BreakIncoming(string why)
    {
        var target = _streamTarget;
        if (target is { Alive: true, State: IncomingState.InMigrate })
        {
            After(Millis(5, 50), $"incoming QEMU exits: {why}", () =>
            {
                if (target.Alive && target.State == IncomingState.InMigrate)
                {
                    KillIncoming(target, "exited: " + why);
                }
            });
        }
    }

    private StreamProgress Report()
    {
        var elapsed = Now - _streamStart;
        if (_stallAt is { } stall && Now > stall)
        {
            elapsed = stall - _streamStart;
        }

        var fraction = _stream switch
        {
            StreamStatus.None => 0,
            StreamStatus.Completed => 1,
            _ => Math.Clamp(elapsed / _streamDuration, 0, 0.999),
        };
        var sent = (long)(RamBytes * fraction);
        return new StreamProgress(_stream, sent, RamBytes - sent, RamBytes, (long)(fraction * 4), elapsed, null, _stream == StreamStatus.Failed ? _streamError : null);
    }

    private void CrashSource()
    {
        if (Source.IsFinished || !_sourceAlive)
        {
            return;
        }

        _sourceAlive = false;
        _sourceCrashed = true;
        _crashExcused = true;
        _salvageExpected = _incoming is { Alive: true, State: IncomingState.PausedWhole } && !_abortSent;
        FailStream("the source died");
        After(Millis(1, 50), "source exit watcher", () => SourceHandle(new SourceInput.SourceQemuExited("killed")));
    }
}
