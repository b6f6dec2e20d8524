using Roost.Core.Migration;
using Roost.Core.Migration.Disk;

namespace Roost.Core.Tests.Migration.Disk;

/// <summary>
/// The disk migration's sequence over seeded interleavings of answers, job events and faults (a job error, the NBD
/// connection lost, a refused command, a destination that does not answer, a cancel in every phase, duplicated and
/// late answers): it always finishes; it completes only after the mirror was ready, the memory moved and the mirror
/// ended whole; and when it does not complete, everything it started is undone (memory stopped, job cancelled,
/// target removed, the destination's partial disk discarded).
/// </summary>
public sealed class DiskMirrorMigrationTests
{
    [Fact]
    public void NoFaults_CompletesInOrder()
    {
        var machine = new DiskMirrorMigration(new DiskMigrationSettings());

        var trace = new List<DiskOutput>();
        trace.AddRange(machine.Handle(new DiskInput.Begin()));
        trace.AddRange(machine.Handle(new DiskInput.DestinationAnswered(Last<DiskOutput.ExportAtDestination>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.AttachTarget>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.StartMirror>(trace).Request, null)));
        var beforeReady = trace.OfType<DiskOutput.MoveMemory>().Count();
        trace.AddRange(machine.Handle(new DiskInput.JobReady()));
        trace.AddRange(machine.Handle(new DiskInput.MemoryMoved()));
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.CompleteMirror>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.JobEnded(null, Cancelled: false)));
        var closeBeforeDetach = trace.OfType<DiskOutput.CloseExport>().Count();
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.DetachTarget>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.DestinationAnswered(Last<DiskOutput.CloseExport>(trace).Request, null)));

        Assert.Equal(0, beforeReady);
        Assert.Equal(0, closeBeforeDetach);
        Assert.IsType<DiskOutcome.Completed>(machine.Outcome);
        Assert.Equal(DiskPhase.Finished, machine.Phase);
        Assert.Empty(trace.OfType<DiskOutput.DiscardAtDestination>());
        Assert.Empty(trace.OfType<DiskOutput.CancelMirror>());
    }

    [Fact]
    public void NbdConnectionLost_WhileMemoryMoves_StopsMemory_DiscardsDestination()
    {
        var machine = new DiskMirrorMigration(new DiskMigrationSettings());
        var trace = new List<DiskOutput>();
        trace.AddRange(machine.Handle(new DiskInput.Begin()));
        trace.AddRange(machine.Handle(new DiskInput.DestinationAnswered(Last<DiskOutput.ExportAtDestination>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.AttachTarget>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.StartMirror>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.JobReady()));

        trace.AddRange(machine.Handle(new DiskInput.JobEnded("nbd: connection lost", Cancelled: false)));
        trace.AddRange(machine.Handle(new DiskInput.QemuAnswered(Last<DiskOutput.DetachTarget>(trace).Request, null)));
        trace.AddRange(machine.Handle(new DiskInput.DestinationAnswered(Last<DiskOutput.DiscardAtDestination>(trace).Request, null)));

        var aborted = Assert.IsType<DiskOutcome.Aborted>(machine.Outcome);
        Assert.Contains("connection lost", aborted.Reason, StringComparison.Ordinal);
        Assert.True(aborted.DestinationCleaned);
        Assert.Single(trace.OfType<DiskOutput.StopMemory>());
        Assert.Empty(trace.OfType<DiskOutput.CancelMirror>()); // the job had ended by itself
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.02)]
    [InlineData(3, 0.05)]
    [InlineData(4, 0.15)]
    [InlineData(5, 0.4)]
    public void RandomInterleavings_AlwaysFinish_CompleteOnlyWhole_AbortUndoesEverything(int seed, double faultRate)
    {
        var completed = 0;
        var aborted = 0;
        for (var run = 0; run < 400; run++)
        {
            var world = new DiskWorld(new Random(seed * 100_003 + run), faultRate);
            var violation = world.Run();
            Assert.True(violation is null, $"seed {seed}, run {run}, fault rate {faultRate}: {violation}\n{string.Join("\n", world.Log)}");
            completed += world.Machine.Outcome is DiskOutcome.Completed ? 1 : 0;
            aborted += world.Machine.Outcome is DiskOutcome.Aborted ? 1 : 0;
        }

        Assert.Equal(400, completed + aborted);
        if (faultRate == 0)
        {
            Assert.Equal(400, completed);
        }
        else
        {
            Assert.True(aborted > 0, $"seed {seed}: no run met a fault at rate {faultRate}");
        }
    }

    private static T Last<T>(List<DiskOutput> trace) => trace.OfType<T>().Last();

    /// <summary>A source QEMU, a destination and a memory migration that answer the machine's outputs in random order, with faults.</summary>
    private sealed class DiskWorld(Random random, double faultRate)
    {
        private readonly List<(RequestId Id, DiskOutput Output)> _outstanding = [];
        private readonly List<DiskInput> _answered = [];
        private readonly List<(RequestId Id, bool Destination)> _old = [];
        private bool _jobRunning;
        private bool _jobReady;
        private bool _jobEnded;
        private bool _completeAccepted;
        private bool _cancelAccepted;
        private bool _memoryMoving;
        private bool _faulted;
        private long _deadline = -1;
        private bool _readySeen;
        private bool _memoryMovedSeen;
        private bool _memoryEndedBeforeAbort;
        private bool _closeOk;
        private bool _discardOk;
        private bool _wholeEndSeen;
        private readonly List<DiskOutput> _trace = [];

        public DiskMirrorMigration Machine { get; } = new(new DiskMigrationSettings());

        public List<string> Log { get; } = [];

        public string? Run()
        {
            if (Feed(new DiskInput.Begin()) is { } first)
            {
                return first;
            }

            for (var step = 0; step < 400 && Machine.Phase != DiskPhase.Finished; step++)
            {
                if (!Machine.DeadlineArmed)
                {
                    return $"phase {Machine.Phase} waits without a deadline";
                }

                if (Feed(NextEvent()) is { } violation)
                {
                    return violation;
                }
            }

            return Machine.Phase != DiskPhase.Finished ? "not finished after 400 events" : Verdict();
        }

        private DiskInput NextEvent()
        {
            var fault = random.NextDouble() < faultRate;
            if (fault)
            {
                _faulted = true;
                switch (random.Next(6))
                {
                    case 0:
                        return new DiskInput.CancelRequested();
                    case 1 when _jobRunning && !_jobEnded:
                        _jobEnded = true;
                        return new DiskInput.JobEnded("nbd: connection lost", Cancelled: false);
                    case 2 when _outstanding.Count > 0:
                        var (id, output) = Take();
                        return Answer(id, output, "refused");
                    case 3 when _outstanding.Count > 0:
                        Take(); // dropped: never answered; the deadline must end the wait
                        return Expiry();
                    case 4 when _memoryMoving:
                        _memoryMoving = false;
                        return new DiskInput.MemoryFailed("the link was cut");
                    default:
                        return Expiry();
                }
            }

            var choices = new List<Func<DiskInput>>();
            if (_old.Count > 0 && random.Next(10) == 0)
            {
                var (id, destination) = _old[random.Next(_old.Count)];
                return destination ? new DiskInput.DestinationAnswered(id, null) : new DiskInput.QemuAnswered(id, null);
            }

            if (_outstanding.Count > 0)
            {
                choices.Add(() =>
                {
                    var (id, output) = Take();
                    return Answer(id, output, null);
                });
            }

            if (_jobRunning && !_jobReady && !_jobEnded)
            {
                choices.Add(() =>
                {
                    _jobReady = true;
                    return new DiskInput.JobReady();
                });
            }

            if ((_completeAccepted || _cancelAccepted) && !_jobEnded)
            {
                choices.Add(() =>
                {
                    _jobEnded = true;
                    return new DiskInput.JobEnded(null, Cancelled: !_completeAccepted || _cancelAccepted);
                });
            }

            if (_memoryMoving)
            {
                choices.Add(() =>
                {
                    _memoryMoving = false;
                    return new DiskInput.MemoryMoved();
                });
            }

            return choices.Count == 0 ? Expiry() : choices[random.Next(choices.Count)]();
        }

        private DiskInput.TimerFired Expiry() => new DiskInput.TimerFired(TimerKind.Deadline, _deadline);

        private (RequestId, DiskOutput) Take()
        {
            var index = random.Next(_outstanding.Count);
            var taken = _outstanding[index];
            _outstanding.RemoveAt(index);
            return taken;
        }

        private DiskInput Answer(RequestId id, DiskOutput output, string? failure)
        {
            var destination = output is DiskOutput.ExportAtDestination or DiskOutput.CloseExport or DiskOutput.DiscardAtDestination;
            _old.Add((id, destination));
            if (failure is null)
            {
                switch (output)
                {
                    case DiskOutput.StartMirror:
                        _jobRunning = true;
                        break;
                    case DiskOutput.CompleteMirror when !_jobEnded:
                        _completeAccepted = true;
                        break;
                    case DiskOutput.CancelMirror when !_jobEnded && _jobRunning:
                        _cancelAccepted = true;
                        break;
                    case DiskOutput.CancelMirror:
                        failure = "no such job";
                        break;
                    default:
                        break;
                }
            }
            else
            {
                _faulted = true;
            }

            return destination ? new DiskInput.DestinationAnswered(id, failure) : new DiskInput.QemuAnswered(id, failure);
        }

        private string? Feed(DiskInput input)
        {
            var wasCancelling = Machine.Phase is DiskPhase.Cancelling or DiskPhase.Discarding;
            if (input is DiskInput.JobReady)
            {
                _readySeen = true;
            }

            if (input is DiskInput.MemoryMoved)
            {
                _memoryMovedSeen = !wasCancelling;
            }

            if (input is DiskInput.MemoryMoved or DiskInput.MemoryFailed && !wasCancelling)
            {
                _memoryEndedBeforeAbort = true;
            }

            if (input is DiskInput.JobEnded { Error: null, Cancelled: false } && _completeAccepted)
            {
                _wholeEndSeen = true;
            }

            if (input is DiskInput.DestinationAnswered { Failure: null } answer)
            {
                var kind = _trace.FirstOrDefault(o => RequestOf(o) == answer.Request);
                _closeOk |= kind is DiskOutput.CloseExport;
                _discardOk |= kind is DiskOutput.DiscardAtDestination;
            }

            var finishedBefore = Machine.Phase == DiskPhase.Finished;
            var outputs = Machine.Handle(input);
            Log.Add($"{input} -> {string.Join(", ", outputs)}");
            if (finishedBefore && outputs.Count > 0)
            {
                return "outputs after Finished";
            }

            foreach (var output in outputs)
            {
                _trace.Add(output);
                if (RequestOf(output) is { } request)
                {
                    _outstanding.Add((request, output));
                }

                switch (output)
                {
                    case DiskOutput.ArmTimer arm:
                        _deadline = arm.Generation;
                        break;
                    case DiskOutput.MoveMemory when !_readySeen:
                        return "memory moves before the mirror is ready";
                    case DiskOutput.MoveMemory:
                        _memoryMoving = true;
                        break;
                    case DiskOutput.CompleteMirror when !_memoryMovedSeen:
                        return "the mirror is ended before the memory moved";
                    case DiskOutput.StopMemory:
                        _memoryMoving = false;
                        break;
                    default:
                        break;
                }
            }

            return null;
        }

        /// <summary>The request an output waits on an answer for (null for outputs nobody answers).</summary>
        private static RequestId? RequestOf(DiskOutput output) => output switch
        {
            DiskOutput.ExportAtDestination o => o.Request,
            DiskOutput.AttachTarget o => o.Request,
            DiskOutput.StartMirror o => o.Request,
            DiskOutput.CompleteMirror o => o.Request,
            DiskOutput.CancelMirror o => o.Request,
            DiskOutput.DetachTarget o => o.Request,
            DiskOutput.CloseExport o => o.Request,
            DiskOutput.DiscardAtDestination o => o.Request,
            _ => null,
        };

        private string? Verdict()
        {
            var finished = _trace.OfType<DiskOutput.Finished>().ToList();
            if (finished.Count != 1)
            {
                return $"{finished.Count} Finished outputs";
            }

            switch (Machine.Outcome)
            {
                case DiskOutcome.Completed:
                    if (!_readySeen || !_memoryMovedSeen || !_wholeEndSeen || !_closeOk)
                    {
                        return "completed without a ready mirror, moved memory, a whole end and a closed export";
                    }

                    return _trace.Any(o => o is DiskOutput.DiscardAtDestination or DiskOutput.CancelMirror or DiskOutput.StopMemory)
                        ? "completed after starting to abandon"
                        : null;
                case DiskOutcome.Aborted abort:
                    if (!_trace.OfType<DiskOutput.DiscardAtDestination>().Any())
                    {
                        return "aborted without discarding the destination's disk";
                    }

                    if (_trace.OfType<DiskOutput.AttachTarget>().Any() && !_trace.OfType<DiskOutput.DetachTarget>().Any())
                    {
                        return "aborted without removing the target";
                    }

                    if (_trace.OfType<DiskOutput.MoveMemory>().Any() && !_memoryEndedBeforeAbort && !_trace.OfType<DiskOutput.StopMemory>().Any())
                    {
                        return "aborted while the memory moved without stopping it";
                    }

                    if (abort.DestinationCleaned && !_discardOk)
                    {
                        return "claims the destination is clean without its answer";
                    }

                    return !_faulted ? "aborted without a fault" : null;
                default:
                    return "no outcome";
            }
        }
    }
}
