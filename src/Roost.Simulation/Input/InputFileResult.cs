namespace Roost.Simulation.Input;

/// <summary>The outcome of reading an input file. Closed set: match on it.</summary>
public abstract record InputFileResult
{
    private InputFileResult()
    {
    }

    /// <summary>Every byte of the file, no more than the limit asked for.</summary>
    public sealed record Read(ReadOnlyMemory<byte> Bytes) : InputFileResult;

    /// <summary>
    /// Not read, with the reason as the rest of one line after the file's name (<c>is a named pipe (FIFO), not a
    /// regular file</c>), printable as it stands.
    /// </summary>
    public sealed record Refused(string Reason) : InputFileResult;
}
