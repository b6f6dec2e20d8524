namespace Roost.Controller;

/// <summary>
/// The controller cannot start: the message is one line naming what (the store, the address, the data directory)
/// and why. <c>roost serve</c> prints it and exits with code 2.
/// </summary>
public sealed class StartupException : Exception
{
    public StartupException()
    {
    }

    public StartupException(string message)
        : base(message)
    {
    }

    public StartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
