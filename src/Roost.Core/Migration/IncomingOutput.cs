namespace Roost.Core.Migration;

/// <summary>
/// Something an <see cref="IncomingMigration"/> asks its driver to do. Requests carry a <see cref="RequestId"/> the
/// driver returns with the answer (<see cref="IncomingInput.QemuAnswered"/>). Closed set: match on it.
/// </summary>
public abstract record IncomingOutput
{
    private IncomingOutput()
    {
    }

    public sealed record ArmTimer(TimerKind Kind, TimeSpan After, long Generation) : IncomingOutput;

    /// <summary>Start a QEMU waiting for the stream (<c>-incoming</c>, guest kept paused); answer <see cref="QemuReply.Launched"/>.</summary>
    public sealed record LaunchIncoming(RequestId Request) : IncomingOutput;

    /// <summary>Answer the source's admission call (<see cref="PeerReply.Admitted"/> or <see cref="PeerReply.Declined"/>).</summary>
    public sealed record AnswerAdmission(PeerReply Reply) : IncomingOutput;

    /// <summary><c>query-status</c> on the incoming QEMU; answer <see cref="QemuReply.RunState"/>.</summary>
    public sealed record QueryRunState(RequestId Request) : IncomingOutput;

    /// <summary>
    /// Record durably that this host now owns the VM (before the guest is resumed): its adoption ledger entry, so a
    /// restarted agent resumes the guest rather than dropping it and answers the source "adopted" (see
    /// <see cref="IncomingMigration.AnswerFromLedger"/>). Answer Done once on disk.
    /// </summary>
    public sealed record CommitAdoption(RequestId Request) : IncomingOutput;

    /// <summary><c>cont</c> on the incoming QEMU; answer Done once the guest runs.</summary>
    public sealed record ResumeGuest(RequestId Request) : IncomingOutput;

    /// <summary>Kill the incoming QEMU and remove its files and records, its adoption ledger entry included: it was never adopted.</summary>
    public sealed record DestroyIncoming : IncomingOutput;

    /// <summary>Give back the capacity reserved at admission.</summary>
    public sealed record ReleaseReservation : IncomingOutput;

    /// <summary>Answer a complete or abort call: <see cref="PeerReply.Adopted"/>, <see cref="PeerReply.Dropped"/> or <see cref="PeerReply.Declined"/>.</summary>
    public sealed record AnswerCall(CallId Call, PeerReply Reply) : IncomingOutput;

    /// <summary>The incoming migration is over; emitted once, after the outputs that settle it.</summary>
    public sealed record Finished(IncomingOutcome Outcome) : IncomingOutput;
}
