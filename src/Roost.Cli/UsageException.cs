namespace Roost.Cli;

/// <summary>
/// The user asked for something that cannot be done as asked. The message is the single line printed on stderr,
/// and the process exits with <see cref="ExitCode"/> (2 by default, as for bad usage).
/// </summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message, int exitCode = 2)
        : base(message)
    {
        ExitCode = exitCode;
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int ExitCode { get; } = 2;
}
