namespace Roost.Hypervisor.Move;

/// <summary>MOVE's bench cannot go on; the message is one line naming what failed and where.</summary>
public sealed class MoveBenchException : Exception
{
    public MoveBenchException()
    {
    }

    public MoveBenchException(string message)
        : base(message)
    {
    }

    public MoveBenchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
