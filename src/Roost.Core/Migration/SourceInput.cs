namespace Roost.Core.Migration;

/// <summary>Something that happened, told to a <see cref="SourceMigration"/>. Closed set: match on it.</summary>
public abstract record SourceInput
{
    private SourceInput()
    {
    }

    /// <summary>Start the migration (the VM is Running on the source and now reserved for it).</summary>
    public sealed record Begin : SourceInput;

    /// <summary>The answer to a peer call the machine asked for (<see cref="SourceOutput.RequestAdmission"/>, …).</summary>
    public sealed record PeerAnswered(RequestId Request, PeerReply Reply) : SourceInput;

    /// <summary>The answer to a command to the source's QEMU.</summary>
    public sealed record QemuAnswered(RequestId Request, QemuReply Reply) : SourceInput;

    /// <summary>The source's QEMU process is gone (crashed, killed).</summary>
    public sealed record SourceQemuExited(string Reason) : SourceInput;

    /// <summary>The operator asks to cancel. Answered by <see cref="SourceOutput.CancelAnswered"/>.</summary>
    public sealed record CancelRequested : SourceInput;

    /// <summary>A timer armed with <see cref="SourceOutput.ArmTimer"/> went off; stale generations are ignored.</summary>
    public sealed record TimerFired(TimerKind Kind, long Generation) : SourceInput;
}
