namespace Roost.Core.Recovery;

/// <summary>
/// What an <see cref="NbdServerSession"/> asks its host to do, in order. Reads and writes are always inside the
/// export (the session answers anything else itself); the host answers each with
/// <see cref="NbdServerSession.SimpleReply"/> when it is done, in any order. Closed set.
/// </summary>
public abstract record NbdServerOutput
{
    private NbdServerOutput()
    {
    }

    /// <summary>Send these bytes to the client (negotiation replies, errors the session answers itself).</summary>
    public sealed record Send(byte[] Bytes) : NbdServerOutput;

    /// <summary>The negotiation is over: from here on the client sends requests.</summary>
    public sealed record Ready : NbdServerOutput;

    /// <summary>Read <see cref="Length"/> bytes at <see cref="Offset"/> and answer <see cref="Handle"/> with them.</summary>
    public sealed record Read(ulong Handle, long Offset, int Length) : NbdServerOutput;

    /// <summary>Write <see cref="Data"/> at <see cref="Offset"/>; answer <see cref="Handle"/> once the write is complete.</summary>
    public sealed record Write(ulong Handle, long Offset, byte[] Data) : NbdServerOutput;

    /// <summary>Answer <see cref="Handle"/> once every write answered before this request is durable.</summary>
    public sealed record Flush(ulong Handle) : NbdServerOutput;

    /// <summary>End the connection (the client asked to, or sent what the protocol does not allow): one line why.</summary>
    public sealed record Close(string Reason) : NbdServerOutput;
}
