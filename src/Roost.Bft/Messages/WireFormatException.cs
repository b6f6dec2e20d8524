namespace Roost.Bft.Messages;

/// <summary>Bytes that are not a well-formed message: truncated, oversized, or of an unknown type. The message says which.</summary>
public sealed class WireFormatException : Exception
{
    public WireFormatException(string message)
        : base(message)
    {
    }

    public WireFormatException()
    {
    }

    public WireFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
