using Roost.Controller.Security;

namespace Roost.Controller.Store;

/// <summary>
/// An exclusive <c>flock</c> on a 0600 lock file (.NET takes <c>flock(LOCK_EX | LOCK_NB)</c> for a file opened with
/// <see cref="FileShare.None"/> on Unix). The kernel drops it when the process dies, SIGKILL included.
/// </summary>
internal sealed class FileWriterLock : IStoreWriterLock
{
    /// <summary>
    /// How .NET reports that another descriptor holds the flock: an IOException whose HResult is the errno
    /// EWOULDBLOCK (11 on Linux, 35 on macOS), or on Windows the sharing violation HRESULT.
    /// </summary>
    private static readonly int[] _heldElsewhere = [11, 35, unchecked((int)0x80070020)];

    private readonly FileStream _stream;
    private readonly string _path;

    private FileWriterLock(FileStream stream, string path)
    {
        _stream = stream;
        _path = path;
    }

    public string Description => $"flock {_path}";

    /// <summary>The lock, or null when another process (or another controller in this one) holds it.</summary>
    public static FileWriterLock? TryAcquire(string path)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly.FileMode;
        }

        try
        {
            return new FileWriterLock(new FileStream(path, options), path);
        }
        catch (IOException e) when (_heldElsewhere.Contains(e.HResult))
        {
            return null;
        }
    }

    public Task EnsureHeldAsync(CancellationToken cancellationToken) =>
        File.Exists(_path) ? Task.CompletedTask : throw new WriterLockLostException($"{_path} was deleted: another controller could take the store");

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
