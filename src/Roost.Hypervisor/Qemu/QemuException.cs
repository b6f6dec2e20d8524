namespace Roost.Hypervisor.Qemu;

/// <summary>QEMU could not be started or died; the message is one line naming the VM and QEMU's own complaint.</summary>
public sealed class QemuException : Exception
{
    public QemuException(string message)
        : base(message)
    {
    }

    public QemuException()
    {
    }

    public QemuException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
