namespace Roost.Hypervisor.Qemu;

/// <summary>
/// Files and directories only their owner may read: guest RAM files, fingerprints of guest memory, and the run
/// directory holding a VM's sockets, console log and record. Created with the mode already set (never created
/// world-readable and narrowed later), and an existing one is narrowed before use.
/// </summary>
public static class PrivateFiles
{
    private const string UnixOnly = "owner-only files are made with Unix modes; Roost's hypervisor side runs on Linux";

    /// <summary>rw------- (0600).</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ (0700).</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and its missing parents, also 0700) as 0700, or narrows it to 0700.</summary>
    public static void CreateDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(UnixOnly);
        }

        // Directory.CreateDirectory(path, mode) gives only the last level that mode: create the missing parents one by one.
        var missing = new Stack<string>();
        for (var dir = Path.GetFullPath(path); !Directory.Exists(dir); dir = Path.GetDirectoryName(dir) ?? "/")
        {
            missing.Push(dir);
        }

        while (missing.TryPop(out var dir))
        {
            Directory.CreateDirectory(dir, DirectoryMode);
        }

        File.SetUnixFileMode(path, DirectoryMode);
    }

    /// <summary>
    /// Throws an <see cref="IOException"/> (one line) unless <paramref name="path"/> is a directory no other user may
    /// list or enter: where a socket that must reach only its owner is made (QEMU creates its sockets with its umask).
    /// </summary>
    public static void RequireOwnerOnlyDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(UnixOnly);
        }

        if (!Directory.Exists(path))
        {
            throw new IOException($"{path}: no such directory");
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & ~(DirectoryMode | UnixFileMode.SetGroup | UnixFileMode.SetUser | UnixFileMode.StickyBit)) != 0)
        {
            throw new IOException($"{path}: mode {Convert.ToString((int)mode, 8)} lets other users in; it must be owner-only (0700)");
        }
    }

    /// <summary>Creates an empty file that must not exist yet, 0600 from its first instant.</summary>
    public static void CreateEmptyFile(string path) => CreateSparseFile(path, 0);

    /// <summary>
    /// Creates a file that must not exist yet, 0600 from its first instant, <paramref name="length"/> bytes long and
    /// sparse (reads as zeros). A file it created but could not size (too large for the file system: an
    /// <see cref="IOException"/>) is removed.
    /// </summary>
    public static void CreateSparseFile(string path, long length)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(UnixOnly);
        }

        using var file = new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode });
        try
        {
            file.SetLength(length);
        }
        catch (IOException)
        {
            File.Delete(path);
            throw;
        }
        catch (ArgumentOutOfRangeException e)
        {
            // .NET reports a length the file system cannot hold (EFBIG) as an argument error: it is an I/O failure here.
            File.Delete(path);
            throw new IOException($"{path}: cannot make it {length} bytes long: {e.Message}", e);
        }
    }

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> (replacing it) with mode 0600.</summary>
    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> contents, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(UnixOnly);
        }

        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, UnixCreateMode = FileMode };
        await using var file = new FileStream(path, options);
        File.SetUnixFileMode(file.SafeFileHandle, FileMode);
        await file.WriteAsync(contents, cancellationToken).ConfigureAwait(false);
    }
}
