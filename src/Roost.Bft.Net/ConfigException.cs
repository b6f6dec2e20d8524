namespace Roost.Bft.Net;

/// <summary>A deployment's configuration or key file that cannot be used; the message is one line naming file, line and what is wrong.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException()
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
