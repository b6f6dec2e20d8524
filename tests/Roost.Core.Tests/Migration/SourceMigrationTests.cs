using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

public sealed class SourceMigrationTests
{
    [Fact]
    public void NormalPath_AdmitStreamConfirm_DestroysTheSourceAndCompletes()
    {
        var steps = new SourceSteps();

        steps.Send(new SourceInput.Begin());
        var admit = steps.Single<SourceOutput.RequestAdmission>();
        steps.Peer(admit.Request, new PeerReply.Admitted(4444));
        var start = steps.Single<SourceOutput.StartStreaming>();
        steps.Qemu(start.Request, new QemuReply.Done());
        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Active)));
        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Completed, 4096)));
        var confirm = steps.Single<SourceOutput.ConfirmAtDestination>();
        var last = steps.Peer(confirm.Request, new PeerReply.Adopted());

        Assert.Equal($"tcp:{SourceSteps.Host}:4444", start.Transport.ToQemuUri());
        Assert.False(start.Parameters.PostCopyRam);
        Assert.Collection(last, o => Assert.IsType<SourceOutput.DestroySource>(o), o => Assert.IsType<SourceOutput.Finished>(o));
        Assert.IsType<SourceOutcome.Completed>(steps.Machine.Outcome);
        Assert.True(steps.Machine.IsFinished);
        Assert.False(steps.Machine.IsDeadlineArmed);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65_536)]
    [InlineData(long.MaxValue)]
    public void Admitted_PortOutOfRange_NeverStartsTheStream_ResumesAndDropsTheDestinationHalf(long port)
    {
        var steps = new SourceSteps();
        steps.Send(new SourceInput.Begin());

        steps.Peer(steps.Single<SourceOutput.RequestAdmission>().Request, new PeerReply.Admitted(port));
        steps.Qemu(steps.Single<SourceOutput.ResumeSource>().Request, new QemuReply.Done());

        Assert.Empty(steps.Last.OfType<SourceOutput.StartStreaming>());
        Assert.Single(steps.Last.OfType<SourceOutput.AbortAtDestination>());
        var aborted = Assert.IsType<SourceOutcome.Aborted>(steps.Machine.Outcome);
        Assert.Contains("is not from 1 to 65535", aborted.Reason, StringComparison.Ordinal);
        Assert.Contains("the VM runs on the source", aborted.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Declined_Admission_ResumesWithoutAbortingAtTheDestination()
    {
        var steps = new SourceSteps();
        steps.Send(new SourceInput.Begin());

        steps.Peer(steps.Single<SourceOutput.RequestAdmission>().Request, new PeerReply.Declined("capacity exceeded"));
        steps.Qemu(steps.Single<SourceOutput.ResumeSource>().Request, new QemuReply.Done());

        Assert.Empty(steps.Last.OfType<SourceOutput.AbortAtDestination>());
        Assert.Contains("refused: capacity exceeded", Assert.IsType<SourceOutcome.Aborted>(steps.Machine.Outcome).Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SourcePhase.Admitting, SourcePhase.Recovering)]
    [InlineData(SourcePhase.Starting, SourcePhase.Cancelling)]
    [InlineData(SourcePhase.Streaming, SourcePhase.Cancelling)]
    [InlineData(SourcePhase.Cancelling, SourcePhase.Recovering)]
    [InlineData(SourcePhase.Recovering, SourcePhase.Finished)]
    [InlineData(SourcePhase.Confirming, SourcePhase.Resolving)]
    [InlineData(SourcePhase.Resolving, SourcePhase.Finished)]
    public void Deadline_InEveryWaitingPhase_MovesOn(SourcePhase phase, SourcePhase next)
    {
        var steps = new SourceSteps().To(phase);
        Assert.Equal(phase, steps.Machine.Phase);
        Assert.True(steps.Machine.IsDeadlineArmed, $"{phase} has no deadline armed");

        steps.Fire(TimerKind.Deadline);

        Assert.Equal(next, steps.Machine.Phase);
        Assert.True(steps.Machine.IsFinished || steps.Machine.IsDeadlineArmed);
    }

    [Fact]
    public void Deadline_Resolving_LeavesTheVmInDoubtAndNeverResumesIt()
    {
        var steps = new SourceSteps().To(SourcePhase.Resolving);

        steps.Fire(TimerKind.Deadline);

        Assert.IsType<SourceOutcome.InDoubt>(steps.Machine.Outcome);
        Assert.Empty(steps.Last.OfType<SourceOutput.ResumeSource>());
        Assert.Empty(steps.Last.OfType<SourceOutput.DestroySource>());
    }

    [Theory]
    [InlineData(SourcePhase.Admitting, true, SourcePhase.Recovering)]
    [InlineData(SourcePhase.Starting, true, SourcePhase.Cancelling)]
    [InlineData(SourcePhase.Streaming, true, SourcePhase.Cancelling)]
    [InlineData(SourcePhase.Cancelling, true, SourcePhase.Cancelling)]
    [InlineData(SourcePhase.Recovering, true, SourcePhase.Recovering)]
    [InlineData(SourcePhase.Confirming, true, SourcePhase.Resolving)]
    [InlineData(SourcePhase.Resolving, true, SourcePhase.Resolving)]
    public void Cancel_InEveryPhase_IsAnswered(SourcePhase phase, bool accepted, SourcePhase next)
    {
        var steps = new SourceSteps().To(phase);

        steps.Send(new SourceInput.CancelRequested());

        Assert.Equal(accepted, steps.Single<SourceOutput.CancelAnswered>().Accepted);
        Assert.Equal(next, steps.Machine.Phase);
    }

    [Fact]
    public void Cancel_WhenFinished_SaysNotMigrating()
    {
        var steps = new SourceSteps().To(SourcePhase.Confirming);
        steps.Peer(steps.Single<SourceOutput.ConfirmAtDestination>().Request, new PeerReply.Adopted());

        steps.Send(new SourceInput.CancelRequested());

        var answer = steps.Single<SourceOutput.CancelAnswered>();
        Assert.False(answer.Accepted);
        Assert.Contains("is not migrating", answer.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Cancel_WhileConfirming_AsksForAFencedAbort_AndResumesOnlyOnceTheDestinationDropped()
    {
        var steps = new SourceSteps().To(SourcePhase.Confirming);

        steps.Send(new SourceInput.CancelRequested());
        var abort = steps.Single<SourceOutput.AbortAtDestination>();
        steps.Peer(abort.Request, new PeerReply.Failed("timed out"));
        Assert.Empty(steps.Last.OfType<SourceOutput.ResumeSource>());
        steps.Fire(TimerKind.Poll);
        steps.Peer(steps.Single<SourceOutput.AbortAtDestination>().Request, new PeerReply.Dropped());
        steps.Qemu(steps.Single<SourceOutput.ResumeSource>().Request, new QemuReply.Done());

        var aborted = Assert.IsType<SourceOutcome.Aborted>(steps.Machine.Outcome);
        Assert.True(aborted.Cancelled);
    }

    [Fact]
    public void Resolving_TheDestinationAdopted_DestroysTheSource()
    {
        var steps = new SourceSteps().To(SourcePhase.Resolving);

        steps.Peer(steps.Single<SourceOutput.AbortAtDestination>().Request, new PeerReply.Adopted());

        Assert.Single(steps.Last.OfType<SourceOutput.DestroySource>());
        Assert.IsType<SourceOutcome.Completed>(steps.Machine.Outcome);
    }

    [Fact]
    public void DuplicateAndLateAnswers_AreIgnored()
    {
        var steps = new SourceSteps();
        steps.Send(new SourceInput.Begin());
        var admit = steps.Single<SourceOutput.RequestAdmission>();
        steps.Peer(admit.Request, new PeerReply.Admitted(4444));
        var start = steps.Single<SourceOutput.StartStreaming>();

        Assert.Empty(steps.Peer(admit.Request, new PeerReply.Admitted(5555)));
        Assert.Empty(steps.Peer(admit.Request, new PeerReply.Declined("late")));
        Assert.Empty(steps.Peer(new RequestId(999), new PeerReply.Adopted()));
        Assert.Empty(steps.Send(new SourceInput.TimerFired(TimerKind.Deadline, 1)));
        Assert.Equal(SourcePhase.Starting, steps.Machine.Phase);
        steps.Qemu(start.Request, new QemuReply.Done());
        Assert.Empty(steps.Qemu(start.Request, new QemuReply.Failed("again")));
        Assert.Equal(SourcePhase.Streaming, steps.Machine.Phase);
    }

    [Theory]
    [InlineData(SourcePhase.Starting)]
    [InlineData(SourcePhase.Streaming)]
    [InlineData(SourcePhase.Cancelling)]
    [InlineData(SourcePhase.Recovering)]
    public void SourceQemuDies_BeforeConfirming_AsksTheDestinationToRunItsCopy(SourcePhase phase)
    {
        var steps = new SourceSteps().To(phase);

        steps.Send(new SourceInput.SourceQemuExited("killed"));
        var confirm = steps.Single<SourceOutput.ConfirmAtDestination>();
        steps.Peer(confirm.Request, new PeerReply.Declined("no whole stream"));

        Assert.Equal(SourcePhase.Finished, steps.Machine.Phase);
        Assert.Contains("the source's QEMU died (killed)", Assert.IsType<SourceOutcome.Lost>(steps.Machine.Outcome).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SourceQemuDies_WhileStreaming_TheDestinationAdoptsTheWholeCopy()
    {
        var steps = new SourceSteps().To(SourcePhase.Streaming);

        steps.Send(new SourceInput.SourceQemuExited("killed"));
        steps.Peer(steps.Single<SourceOutput.ConfirmAtDestination>().Request, new PeerReply.Adopted());

        Assert.Empty(steps.Last.OfType<SourceOutput.DestroySource>());
        Assert.IsType<SourceOutcome.Completed>(steps.Machine.Outcome);
    }

    [Fact]
    public void SourceQemuDies_WhileAdmitting_IsLost_AndTheDestinationHalfDropped()
    {
        var steps = new SourceSteps().To(SourcePhase.Admitting);

        steps.Send(new SourceInput.SourceQemuExited("killed"));

        Assert.Single(steps.Last.OfType<SourceOutput.AbortAtDestination>());
        Assert.IsType<SourceOutcome.Lost>(steps.Machine.Outcome);
    }

    [Fact]
    public void StreamFails_ResumesTheSource_WithQemusReason()
    {
        var steps = new SourceSteps().To(SourcePhase.Streaming);

        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Failed)));
        steps.Qemu(steps.Single<SourceOutput.ResumeSource>().Request, new QemuReply.Done());

        Assert.Contains("failed: broken pipe", Assert.IsType<SourceOutcome.Aborted>(steps.Machine.Outcome).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Stall_ProgressReArmsTheDeadline_NoProgressDoesNot()
    {
        var steps = new SourceSteps().To(SourcePhase.Streaming);

        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Active, 100)));
        var rearmed = steps.Last.OfType<SourceOutput.ArmTimer>().Any(t => t.Kind == TimerKind.Deadline);
        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Active, 100)));

        Assert.True(rearmed);
        Assert.DoesNotContain(steps.Last.OfType<SourceOutput.ArmTimer>(), t => t.Kind == TimerKind.Deadline);
    }

    [Fact]
    public void PostCopyPolicy_SetsTheCapability_SwitchesAfterItsRounds_AndRefusesCancelOnceInPostCopy()
    {
        var steps = new SourceSteps(new MigrationSettings { Switchover = new SwitchoverPolicy.PostCopyAfterRounds(2) });
        steps.Send(new SourceInput.Begin());
        steps.Peer(steps.Single<SourceOutput.RequestAdmission>().Request, new PeerReply.Admitted(4444));
        var start = steps.Single<SourceOutput.StartStreaming>();
        steps.Qemu(start.Request, new QemuReply.Done());

        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Active) with { Rounds = 1 }));
        var early = steps.Last.OfType<SourceOutput.SwitchToPostCopy>().Count();
        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.Active, 2000) with { Rounds = 2 }));
        var switched = steps.Single<SourceOutput.SwitchToPostCopy>();
        steps.Qemu(switched.Request, new QemuReply.Done());
        steps.Fire(TimerKind.Poll);
        steps.Qemu(steps.Single<SourceOutput.QueryProgress>().Request, new QemuReply.Progress(SourceSteps.Progress(StreamStatus.PostCopyActive, 3000)));
        steps.Send(new SourceInput.CancelRequested());

        Assert.True(start.Parameters.PostCopyRam);
        Assert.Equal(0, early);
        Assert.Equal(SourcePhase.PostCopy, steps.Machine.Phase);
        Assert.False(steps.Single<SourceOutput.CancelAnswered>().Accepted);
    }

    [Theory]
    [InlineData("10.0.0.2", 1, "tcp:10.0.0.2:1")]
    [InlineData("[::1]", 65535, "tcp:[::1]:65535")]
    [InlineData("agent-2.dc1.example", 4444, "tcp:agent-2.dc1.example:4444")]
    public void TryTcp_AgentHost_BuildsTheOnlyUriQemuIsGiven(string host, long port, string expected)
    {
        Assert.True(MigrationTransport.TryTcp(host, port, out var transport, out var error), error);

        Assert.Equal(expected, transport.ToQemuUri());
    }

    [Theory]
    [InlineData("10.0.0.2", 0, "port 0")]
    [InlineData("10.0.0.2", 65536, "port 65536")]
    [InlineData("", 4444, "host ''")]
    [InlineData("exec:touch /tmp/x", 4444, "host 'exec:touch /tmp/x'")]
    [InlineData("a,b", 4444, "host 'a,b'")]
    [InlineData("unix:/tmp/s", 4444, "host 'unix:/tmp/s'")]
    [InlineData("fd:3", 4444, "host 'fd:3'")]
    [InlineData("fe80::1%eth0", 4444, "host 'fe80::1%eth0'")]
    public void TryTcp_AnythingElse_IsRefusedWithTheReason(string host, long port, string expected)
    {
        Assert.False(MigrationTransport.TryTcp(host, port, out _, out var error));

        Assert.StartsWith(expected, error, StringComparison.Ordinal);
    }
}
