namespace Roost.Core.Migration;

/// <summary>
/// Something a <see cref="SourceMigration"/> asks its driver to do; the machine itself performs no I/O. Requests carry
/// a <see cref="RequestId"/> the driver returns with the answer (<see cref="SourceInput.PeerAnswered"/>,
/// <see cref="SourceInput.QemuAnswered"/>). The driver must answer every request, and bound each by its own timeout;
/// the machine bounds every phase besides. Closed set: match on it.
/// </summary>
public abstract record SourceOutput
{
    private SourceOutput()
    {
    }

    /// <summary>(Re)arm the timer of <see cref="Kind"/>: after <see cref="After"/>, send <see cref="SourceInput.TimerFired"/> with <see cref="Generation"/>.</summary>
    public sealed record ArmTimer(TimerKind Kind, TimeSpan After, long Generation) : SourceOutput;

    /// <summary>Ask the destination agent to admit the VM (<c>POST /api/incoming</c> with the migration ticket).</summary>
    public sealed record RequestAdmission(RequestId Request) : SourceOutput;

    /// <summary>Set the stream parameters and capabilities on the source's QEMU, then <c>migrate</c> over <see cref="Transport"/>.</summary>
    public sealed record StartStreaming(RequestId Request, MigrationTransport Transport, StreamParameters Parameters) : SourceOutput;

    /// <summary><c>query-migrate</c> on the source's QEMU; answer with <see cref="QemuReply.Progress"/>.</summary>
    public sealed record QueryProgress(RequestId Request) : SourceOutput;

    /// <summary><c>migrate-start-postcopy</c> on the source's QEMU (only after a stream with <c>postcopy-ram</c>).</summary>
    public sealed record SwitchToPostCopy(RequestId Request) : SourceOutput;

    /// <summary><c>migrate_cancel</c> on the source's QEMU.</summary>
    public sealed record CancelStreaming(RequestId Request) : SourceOutput;

    /// <summary>Make sure the source's guest runs (<c>cont</c> unless already running); answer Done once it does.</summary>
    public sealed record ResumeSource(RequestId Request) : SourceOutput;

    /// <summary>Tell the destination the stream is complete (<c>POST /api/incoming/{id}/complete</c>): it resumes the guest and adopts it.</summary>
    public sealed record ConfirmAtDestination(RequestId Request) : SourceOutput;

    /// <summary>
    /// Ask the destination to drop its half (<c>DELETE /api/incoming/{id}</c>). The answer is definite either way:
    /// <see cref="PeerReply.Dropped"/> (it never will run there) or <see cref="PeerReply.Adopted"/> (it already does).
    /// </summary>
    public sealed record AbortAtDestination(RequestId Request) : SourceOutput;

    /// <summary>Destroy the source's QEMU: the VM runs at the destination now.</summary>
    public sealed record DestroySource : SourceOutput;

    /// <summary>The answer to <see cref="SourceInput.CancelRequested"/>.</summary>
    public sealed record CancelAnswered(bool Accepted, string Detail) : SourceOutput;

    /// <summary>The migration is over; always the last output, emitted once.</summary>
    public sealed record Finished(SourceOutcome Outcome) : SourceOutput;
}
