namespace Roost.Controller.Store;

/// <summary>The store's writer lock was lost (its session died, its file went): the controller must stop acting at once.</summary>
public sealed class WriterLockLostException : Exception
{
    public WriterLockLostException()
    {
    }

    public WriterLockLostException(string message)
        : base(message)
    {
    }

    public WriterLockLostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
