namespace Roost.Controller.Security;

/// <summary>
/// Files only the operator's account may read: the data directory is 0700, the token, the SQLite database (with its
/// <c>-wal</c> and <c>-shm</c>) and the lock file 0600, created with that mode before anything is written to them.
/// A data directory others can enter is refused (it may be a directory the operator shares, such as a home; Roost
/// does not change it); a file of Roost's own that is too open is tightened to 0600, and the change reported.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the directory (0700) or checks an existing one; throws <see cref="IOException"/> with one line when it is unusable.</summary>
    public static void PrepareDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            throw new IOException("is a file, not a directory");
        }

        if (!Directory.Exists(path))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
                return;
            }

            Directory.CreateDirectory(path, DirectoryMode);
            return;
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & Others) != 0)
        {
            throw new IOException($"mode {Octal(File.GetUnixFileMode(path))} lets other users in; run 'chmod 700 {path}' or choose another directory");
        }
    }

    /// <summary>Creates an empty 0600 file unless one exists; returns whether it created it.</summary>
    public static bool CreateFile(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }

        try
        {
            using var created = new FileStream(path, options);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }

    /// <summary>Tightens an existing file that others may read or write to 0600; the line saying so, or null when it was fine or absent.</summary>
    public static string? Tighten(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & Others) == 0)
        {
            return null;
        }

        File.SetUnixFileMode(path, mode & ~Others);
        return $"{path}: was mode {Octal(mode)}, readable by others; now {Octal(mode & ~Others)}";
    }

    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
