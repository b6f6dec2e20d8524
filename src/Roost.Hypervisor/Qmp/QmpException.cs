namespace Roost.Hypervisor.Qmp;

/// <summary>
/// QEMU refused a command (<see cref="ErrorClass"/> is QMP's error class), went silent past a timeout, or is gone.
/// The message is one line fit to show a user.
/// </summary>
public sealed class QmpException : Exception
{
    public QmpException(string message, string errorClass = "ConnectionLost")
        : base(message)
    {
        ErrorClass = errorClass;
    }

    public QmpException()
    {
    }

    public QmpException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>QMP's error class (<c>GenericError</c>, <c>CommandNotFound</c>, …), or <c>ConnectionLost</c>/<c>Timeout</c>.</summary>
    public string ErrorClass { get; } = "ConnectionLost";
}
