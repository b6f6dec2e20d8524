using System.Diagnostics;

namespace Roost.Core.Migration.Disk;

/// <summary>
/// The source's side of moving a VM's disk with its memory, sans-I/O (CloudNet, Wood et al. VEE 2011, §3.3: disk
/// copied in the background, then synchronous before the memory phase). The destination exports its empty disk over
/// NBD; the source QEMU mirrors its disk into it (<c>blockdev-mirror sync=full copy-mode=write-blocking</c>); once the
/// job is ready every guest write reaches both ends before it completes, and the memory may move; when it has (the
/// source paused), the mirror is ended as a point-in-time copy and the destination closes its export, so its disk is
/// the source's at the switch-over. Any fault, deadline or cancel before that abandons it: the mirror is cancelled,
/// the target removed, the memory migration stopped if it started, and the destination deletes its partial disk; the
/// guest keeps running on the source.
/// </summary>
/// <remarks>
/// Not thread-safe: one driver feeds inputs one at a time. Answers carry the <see cref="RequestId"/> of their request;
/// a late or duplicated answer is ignored. Every phase but Idle and Finished has its deadline armed.
/// </remarks>
public sealed class DiskMirrorMigration
{
    private readonly DiskMigrationSettings _settings;
    private readonly MachineTimers _timers = new();
    private readonly Dictionary<RequestId, Step> _pending = [];
    private List<DiskOutput> _outputs = [];
    private long _lastRequest;
    private bool _exportRequested;
    private bool _attachRequested;
    private bool _mirrorRequested;
    private bool _jobEnded;
    private bool _memoryStarted;
    private bool _memoryEnded;
    private bool _destinationCleaned;
    private string? _abortReason;

    public DiskMirrorMigration(DiskMigrationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
    }

    private enum Step
    {
        Export,
        Attach,
        Mirror,
        Complete,
        Cancel,
        Detach,
        Close,
        Discard,
    }

    public DiskPhase Phase { get; private set; } = DiskPhase.Idle;

    /// <summary>The outcome once <see cref="Phase"/> is Finished.</summary>
    public DiskOutcome? Outcome { get; private set; }

    /// <summary>Whether the phase's deadline is armed (true in every phase but Idle and Finished).</summary>
    public bool DeadlineArmed => _timers.IsArmed(TimerKind.Deadline);

    public IReadOnlyList<DiskOutput> Handle(DiskInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _outputs = [];
        if (Phase == DiskPhase.Finished)
        {
            return _outputs;
        }

        switch (input)
        {
            case DiskInput.Begin when Phase == DiskPhase.Idle:
                _exportRequested = true;
                Enter(DiskPhase.Exporting, _settings.StepTimeout);
                _outputs.Add(new DiskOutput.ExportAtDestination(Request(Step.Export)));
                break;
            case DiskInput.DestinationAnswered answer when _pending.Remove(answer.Request, out var step):
                OnDestinationAnswer(step, answer.Failure);
                break;
            case DiskInput.QemuAnswered answer when _pending.Remove(answer.Request, out var step):
                OnQemuAnswer(step, answer.Failure);
                break;
            case DiskInput.JobReady when Phase == DiskPhase.Copying:
                Enter(DiskPhase.Synchronous, _settings.MemoryTimeout);
                _memoryStarted = true;
                _outputs.Add(new DiskOutput.MoveMemory());
                break;
            case DiskInput.JobEnded ended when !_jobEnded && _mirrorRequested:
                OnJobEnded(ended);
                break;
            case DiskInput.MemoryMoved when Phase == DiskPhase.Synchronous && !_memoryEnded:
                _memoryEnded = true;
                Enter(DiskPhase.Completing, _settings.StepTimeout);
                _outputs.Add(new DiskOutput.CompleteMirror(Request(Step.Complete)));
                break;
            case DiskInput.MemoryFailed failed when _memoryStarted && !_memoryEnded:
                _memoryEnded = true;
                Abort($"the memory migration failed: {failed.Reason}");
                break;
            case DiskInput.CancelRequested:
                Abort("cancelled");
                break;
            case DiskInput.TimerFired fired when _timers.TryFire(fired.Kind, fired.Generation):
                OnDeadline();
                break;
            default:
                break;
        }

        Debug.Assert(Phase is DiskPhase.Idle or DiskPhase.Finished || DeadlineArmed, "every waiting phase has its deadline");
        return _outputs;
    }

    private void OnDestinationAnswer(Step step, string? failure)
    {
        switch (step)
        {
            case Step.Export when failure is null:
                _attachRequested = true;
                Enter(DiskPhase.Attaching, _settings.StepTimeout);
                _outputs.Add(new DiskOutput.AttachTarget(Request(Step.Attach)));
                break;
            case Step.Export:
                Abort($"the destination did not export its disk: {failure}");
                break;
            case Step.Discard:
                _destinationCleaned = failure is null;
                FinishWhenAnswered();
                break;
            case Step.Close when failure is null:
                FinishWhenAnswered();
                break;
            default:
                Abort($"the destination did not close its disk export: {failure}");
                break;
        }
    }

    private void OnQemuAnswer(Step step, string? failure)
    {
        switch (step)
        {
            case Step.Attach when failure is null:
                _mirrorRequested = true;
                Enter(DiskPhase.Starting, _settings.StepTimeout);
                _outputs.Add(new DiskOutput.StartMirror(Request(Step.Mirror)));
                break;
            case Step.Attach:
                Abort($"the source could not reach the destination's disk export: {failure}");
                break;
            case Step.Mirror when failure is null:
                Enter(DiskPhase.Copying, _settings.CopyTimeout);
                break;
            case Step.Mirror:
                _jobEnded = true; // Refused: no job exists.
                Abort($"the mirror job did not start: {failure}");
                break;
            case Step.Complete when failure is not null:
                Abort($"the mirror could not be ended: {failure}");
                break;
            case Step.Cancel when failure is not null:
                // No job to cancel (it had ended, or never started): nothing more will come of it.
                _jobEnded = true;
                Discard();
                break;
            case Step.Detach when Phase == DiskPhase.Closing:
                _outputs.Add(new DiskOutput.CloseExport(Request(Step.Close)));
                break;
            case Step.Detach:
                FinishWhenAnswered();
                break;
            default:
                break; // Complete and Cancel accepted: their job event follows.
        }
    }

    private void OnJobEnded(DiskInput.JobEnded ended)
    {
        _jobEnded = true;
        switch (Phase)
        {
            case DiskPhase.Completing when ended.Error is null && !ended.Cancelled:
                // The NBD client disconnects first, then the export closes (closing it under a connected client breaks the connection mid-request).
                Enter(DiskPhase.Closing, _settings.StepTimeout);
                _outputs.Add(new DiskOutput.DetachTarget(Request(Step.Detach)));
                break;
            case DiskPhase.Cancelling:
                Discard();
                break;
            case DiskPhase.Closing or DiskPhase.Discarding:
                break;
            default:
                Abort(ended.Error is { } error ? $"the mirror job failed: {error}" : "the mirror job ended before the memory moved");
                break;
        }
    }

    private void OnDeadline()
    {
        switch (Phase)
        {
            case DiskPhase.Cancelling:
                Discard();
                break;
            case DiskPhase.Discarding:
                Finish(new DiskOutcome.Aborted(_abortReason ?? "abandoned", _destinationCleaned));
                break;
            default:
                Abort($"no progress while {Phase} within its deadline");
                break;
        }
    }

    /// <summary>Abandons the migration (once; later faults only add nothing): stop the memory, cancel the job, then discard.</summary>
    private void Abort(string reason)
    {
        if (Phase is DiskPhase.Cancelling or DiskPhase.Discarding)
        {
            return;
        }

        _abortReason = reason;
        if (_memoryStarted && !_memoryEnded)
        {
            _memoryEnded = true;
            _outputs.Add(new DiskOutput.StopMemory(reason));
        }

        DropPending();
        if (_mirrorRequested && !_jobEnded)
        {
            Enter(DiskPhase.Cancelling, _settings.StepTimeout);
            _outputs.Add(new DiskOutput.CancelMirror(Request(Step.Cancel)));
            return;
        }

        Discard();
    }

    private void Discard()
    {
        DropPending();
        Enter(DiskPhase.Discarding, _settings.StepTimeout);
        if (_attachRequested)
        {
            _outputs.Add(new DiskOutput.DetachTarget(Request(Step.Detach)));
        }

        if (_exportRequested)
        {
            _outputs.Add(new DiskOutput.DiscardAtDestination(Request(Step.Discard)));
        }

        FinishWhenAnswered();
    }

    private void FinishWhenAnswered()
    {
        if (_pending.Count > 0)
        {
            return;
        }

        Finish(Phase == DiskPhase.Closing
            ? new DiskOutcome.Completed()
            : new DiskOutcome.Aborted(_abortReason ?? "abandoned", _destinationCleaned || !_exportRequested));
    }

    private void Finish(DiskOutcome outcome)
    {
        Phase = DiskPhase.Finished;
        Outcome = outcome;
        _timers.DisarmAll();
        _pending.Clear();
        _outputs.Add(new DiskOutput.Finished(outcome));
    }

    private void DropPending() => _pending.Clear();

    private void Enter(DiskPhase phase, TimeSpan deadline)
    {
        Phase = phase;
        _outputs.Add(new DiskOutput.ArmTimer(TimerKind.Deadline, deadline, _timers.Arm(TimerKind.Deadline)));
    }

    private RequestId Request(Step step)
    {
        var id = new RequestId(++_lastRequest);
        _pending[id] = step;
        return id;
    }
}
