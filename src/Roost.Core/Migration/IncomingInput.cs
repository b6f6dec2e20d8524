namespace Roost.Core.Migration;

/// <summary>Something that happened, told to an <see cref="IncomingMigration"/>. Closed set: match on it.</summary>
public abstract record IncomingInput
{
    private IncomingInput()
    {
    }

    /// <summary>The VM was admitted (its capacity reserved): start the incoming QEMU.</summary>
    public sealed record Begin : IncomingInput;

    /// <summary>The answer to a command to the incoming QEMU or to the adoption record.</summary>
    public sealed record QemuAnswered(RequestId Request, QemuReply Reply) : IncomingInput;

    /// <summary>The incoming QEMU process is gone.</summary>
    public sealed record QemuExited(string Reason) : IncomingInput;

    /// <summary>The source says the stream is complete (<c>POST /api/incoming/{id}/complete</c>). Idempotent.</summary>
    public sealed record CompleteRequested(CallId Call) : IncomingInput;

    /// <summary>The source asks to drop the incoming half (<c>DELETE /api/incoming/{id}</c>). Idempotent.</summary>
    public sealed record AbortRequested(CallId Call) : IncomingInput;

    public sealed record TimerFired(TimerKind Kind, long Generation) : IncomingInput;
}
