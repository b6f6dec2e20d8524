using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

public sealed class IncomingMigrationTests
{
    private readonly IncomingMigration _machine = new("vm-1", new IncomingSettings());
    private readonly Dictionary<TimerKind, long> _timers = [];
    private IReadOnlyList<IncomingOutput> _last = [];

    [Fact]
    public void NormalPath_LaunchCompleteVerifyCommitResume_AnswersAdopted()
    {
        To(IncomingPhase.AwaitingStream);
        var admission = Assert.Single(_last.OfType<IncomingOutput.AnswerAdmission>());

        Send(new IncomingInput.CompleteRequested(new CallId(1)));
        Qemu(Single<IncomingOutput.QueryRunState>().Request, new QemuReply.RunState("inmigrate"));
        Fire(TimerKind.Poll);
        Qemu(Single<IncomingOutput.QueryRunState>().Request, new QemuReply.RunState("paused"));
        Qemu(Single<IncomingOutput.CommitAdoption>().Request, new QemuReply.Done());
        Qemu(Single<IncomingOutput.ResumeGuest>().Request, new QemuReply.Done());

        Assert.Equal(new PeerReply.Admitted(5000), admission.Reply);
        Assert.Equal(new IncomingOutput.AnswerCall(new CallId(1), new PeerReply.Adopted()), _last[0]);
        Assert.IsType<IncomingOutcome.Adopted>(_machine.Outcome);
        Assert.Empty(_last.OfType<IncomingOutput.ReleaseReservation>());
    }

    [Fact]
    public void NobodyCompletes_Expires_DestroysAndReleases()
    {
        To(IncomingPhase.AwaitingStream);

        Fire(TimerKind.Deadline);

        AssertDropped("expired");
    }

    [Theory]
    [InlineData(IncomingPhase.Launching)]
    [InlineData(IncomingPhase.AwaitingStream)]
    [InlineData(IncomingPhase.Verifying)]
    [InlineData(IncomingPhase.Committing)]
    [InlineData(IncomingPhase.Resuming)]
    public void Deadline_InEveryWaitingPhase_DropsEverything(IncomingPhase phase)
    {
        To(phase);
        Assert.True(_machine.IsDeadlineArmed);

        Fire(TimerKind.Deadline);

        AssertDropped("");
    }

    [Theory]
    [InlineData(IncomingPhase.Launching)]
    [InlineData(IncomingPhase.AwaitingStream)]
    [InlineData(IncomingPhase.Verifying)]
    [InlineData(IncomingPhase.Committing)]
    [InlineData(IncomingPhase.Resuming)]
    public void QemuExits_InEveryPhase_DropsEverything(IncomingPhase phase)
    {
        To(phase);

        Send(new IncomingInput.QemuExited("killed"));

        AssertDropped("exited (killed)");
    }

    [Fact]
    public void AbortBeforeCommit_AnswersDropped_AndDeclinesTheWaitingComplete()
    {
        To(IncomingPhase.Verifying);

        Send(new IncomingInput.AbortRequested(new CallId(2)));

        Assert.Contains(new IncomingOutput.AnswerCall(new CallId(2), new PeerReply.Dropped()), _last);
        Assert.Contains(_last, o => o is IncomingOutput.AnswerCall { Call.Value: 1, Reply: PeerReply.Declined });
        AssertDropped("aborted");
    }

    [Fact]
    public void AbortWhileCommitting_WaitsForTheResume_ThenAnswersAdopted()
    {
        To(IncomingPhase.Committing);
        var commit = Single<IncomingOutput.CommitAdoption>();

        Send(new IncomingInput.AbortRequested(new CallId(2)));
        Assert.Empty(_last);
        Qemu(commit.Request, new QemuReply.Done());
        Qemu(Single<IncomingOutput.ResumeGuest>().Request, new QemuReply.Done());

        Assert.Contains(new IncomingOutput.AnswerCall(new CallId(2), new PeerReply.Adopted()), _last);
        Assert.IsType<IncomingOutcome.Adopted>(_machine.Outcome);
    }

    [Fact]
    public void ResumeFails_DestroysTheQemu_AndDeclinesEveryone()
    {
        To(IncomingPhase.Resuming);

        Qemu(Single<IncomingOutput.ResumeGuest>().Request, new QemuReply.Failed("QMP timeout"));

        Assert.Contains(_last, o => o is IncomingOutput.AnswerCall { Reply: PeerReply.Declined });
        AssertDropped("did not resume");
    }

    [Fact]
    public void CallsAfterTheEnd_AreAnsweredFromTheOutcome()
    {
        To(IncomingPhase.Resuming);
        Qemu(Single<IncomingOutput.ResumeGuest>().Request, new QemuReply.Done());

        Send(new IncomingInput.AbortRequested(new CallId(7)));
        var abort = Assert.Single(_last);
        Send(new IncomingInput.CompleteRequested(new CallId(8)));

        Assert.Equal(new IncomingOutput.AnswerCall(new CallId(7), new PeerReply.Adopted()), abort);
        Assert.Equal(new IncomingOutput.AnswerCall(new CallId(8), new PeerReply.Adopted()), Assert.Single(_last));
    }

    [Fact]
    public void CompleteBeforeAdmission_IsDeclined_AndDropsTheHalf()
    {
        To(IncomingPhase.Launching);

        Send(new IncomingInput.CompleteRequested(new CallId(3)));

        Assert.Contains(_last, o => o is IncomingOutput.AnswerAdmission { Reply: PeerReply.Declined });
        AssertDropped("before its admission");
    }

    [Theory]
    [InlineData(true, false, typeof(PeerReply.Adopted))]
    [InlineData(false, true, typeof(PeerReply.Dropped))]
    [InlineData(false, false, typeof(PeerReply.Declined))]
    public void AnswerFromLedger_IsDefinite(bool adoptedHere, bool isAbort, Type expected)
    {
        Assert.IsType(expected, IncomingMigration.AnswerFromLedger(adoptedHere, isAbort, "vm-1"));
    }

    private void To(IncomingPhase phase)
    {
        Send(new IncomingInput.Begin());
        if (phase == IncomingPhase.Launching)
        {
            return;
        }

        Qemu(Single<IncomingOutput.LaunchIncoming>().Request, new QemuReply.Launched(5000));
        if (phase == IncomingPhase.AwaitingStream)
        {
            return;
        }

        Send(new IncomingInput.CompleteRequested(new CallId(1)));
        if (phase == IncomingPhase.Verifying)
        {
            return;
        }

        Qemu(Single<IncomingOutput.QueryRunState>().Request, new QemuReply.RunState("paused"));
        if (phase == IncomingPhase.Committing)
        {
            return;
        }

        Qemu(Single<IncomingOutput.CommitAdoption>().Request, new QemuReply.Done());
        Assert.Equal(IncomingPhase.Resuming, _machine.Phase);
    }

    private void AssertDropped(string reason)
    {
        Assert.Single(_last.OfType<IncomingOutput.DestroyIncoming>());
        Assert.Single(_last.OfType<IncomingOutput.ReleaseReservation>());
        Assert.IsType<IncomingOutput.Finished>(_last[^1]);
        Assert.Contains(reason, Assert.IsType<IncomingOutcome.Dropped>(_machine.Outcome).Reason, StringComparison.Ordinal);
        Assert.False(_machine.IsDeadlineArmed);
    }

    private T Single<T>()
        where T : IncomingOutput => Assert.Single(_last.OfType<T>());

    private void Send(IncomingInput input)
    {
        _last = _machine.Handle(input);
        foreach (var timer in _last.OfType<IncomingOutput.ArmTimer>())
        {
            _timers[timer.Kind] = timer.Generation;
        }
    }

    private void Qemu(RequestId request, QemuReply reply) => Send(new IncomingInput.QemuAnswered(request, reply));

    private void Fire(TimerKind kind) => Send(new IncomingInput.TimerFired(kind, _timers[kind]));
}
