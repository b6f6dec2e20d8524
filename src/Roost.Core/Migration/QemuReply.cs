namespace Roost.Core.Migration;

/// <summary>The answer to a QEMU command a migration machine asked for. Closed set: match on it.</summary>
public abstract record QemuReply
{
    private QemuReply()
    {
    }

    /// <summary>The command ran (for a source resume: the guest runs; for a destination launch: see <see cref="Launched"/>).</summary>
    public sealed record Done : QemuReply;

    public sealed record Progress(StreamProgress Value) : QemuReply;

    /// <summary>An incoming QEMU is up and listens for the stream on <see cref="Port"/>.</summary>
    public sealed record Launched(int Port) : QemuReply;

    /// <summary>The run state of an incoming QEMU (<c>inmigrate</c>, <c>paused</c>, <c>running</c>, …).</summary>
    public sealed record RunState(string Status) : QemuReply;

    public sealed record Failed(string Reason) : QemuReply;
}
