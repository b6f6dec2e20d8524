using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Roost.Simulation.Input;

/// <summary>
/// Reads a file a user named (a trace, a scenario, a fingerprint, a token) so that no file can block, never end or
/// exhaust memory: links are followed, anything but a regular file (a FIFO, a device such as /dev/zero, a socket, a
/// folder) is refused before it is opened, the file is opened non-blocking and checked again through the open
/// descriptor (so a file swapped for a FIFO in between is refused too), and at most <c>limitBytes</c> are read.
/// </summary>
public static class InputFile
{
    /// <summary>The kind of file <paramref name="path"/> names once links are followed.</summary>
    public static FileKind KindOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            return Directory.Exists(path) ? FileKind.Directory : File.Exists(path) ? FileKind.Regular : FileKind.Missing;
        }

        return path.Length > 0 && Libc.Statx(Libc.AtFdCwd, path, 0, Libc.StatxType, out var status) == 0
            ? status.Kind
            : FileKind.Missing;
    }

    /// <summary>
    /// Every byte of the regular file <paramref name="path"/>, or a refusal saying why not: not a regular file, larger
    /// than <paramref name="limitBytes"/>, missing or unreadable.
    /// </summary>
    public static InputFileResult Read(string path, long limitBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(limitBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limitBytes, Array.MaxLength);
        if (path.Length == 0)
        {
            return new InputFileResult.Refused("no such file");
        }

        try
        {
            return OperatingSystem.IsLinux() ? ReadLinux(path, limitBytes) : ReadPortable(path, limitBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new InputFileResult.Refused($"cannot read: {e.Message}");
        }
    }

    /// <summary>The kind as a noun for messages: "a named pipe (FIFO)", "a character device", "a folder".</summary>
    public static string Name(FileKind kind) => kind switch
    {
        FileKind.Missing => "missing",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.Fifo => "a named pipe (FIFO)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>A limit in bytes as people read it: "16 MiB".</summary>
    public static string ShowLimit(long bytes) => bytes % (1L << 20) == 0
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes >> 20} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes");

    private static InputFileResult ReadLinux(string path, long limitBytes)
    {
        if (Libc.Statx(Libc.AtFdCwd, path, 0, Libc.StatxType | Libc.StatxSize, out var status) != 0)
        {
            return Failed(path);
        }

        if (status.Kind != FileKind.Regular)
        {
            return Refuse(path, status.Kind);
        }

        var descriptor = Libc.Open(path, Libc.OpenReadOnly | Libc.OpenNonBlocking | Libc.OpenNoControllingTerminal | Libc.OpenCloseOnExec);
        if (descriptor < 0)
        {
            return Failed(path);
        }

        using var handle = new SafeFileHandle(descriptor, ownsHandle: true);

        // The path may have changed between the check and the open: check what was opened.
        if (Libc.Statx(descriptor, "", Libc.AtEmptyPath, Libc.StatxType | Libc.StatxSize, out status) != 0)
        {
            return Failed(path);
        }

        if (status.Kind != FileKind.Regular)
        {
            return Refuse(path, status.Kind);
        }

        return status.Size > (ulong)limitBytes ? TooLarge(limitBytes) : ReadRegular(handle, (long)status.Size, limitBytes);
    }

    private static InputFileResult ReadPortable(string path, long limitBytes)
    {
        if (Directory.Exists(path))
        {
            return Refuse(path, FileKind.Directory);
        }

        if (!File.Exists(path))
        {
            return Refuse(path, FileKind.Missing);
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var length = RandomAccess.GetLength(handle);
        return length > limitBytes ? TooLarge(limitBytes) : ReadRegular(handle, length, limitBytes);
    }

    /// <summary>
    /// Reads the file from its start: the size stat gave, then on until the end if it grew (or stat said 0, as for
    /// /proc files), never more than the limit.
    /// </summary>
    private static InputFileResult ReadRegular(SafeFileHandle handle, long expected, long limitBytes)
    {
        var buffer = new byte[expected];
        var total = Fill(handle, buffer, 0);
        Span<byte> probe = stackalloc byte[1];
        while (total == buffer.Length && RandomAccess.Read(handle, probe, total) > 0)
        {
            if (total + 1 > limitBytes)
            {
                return TooLarge(limitBytes);
            }

            var grown = new byte[Math.Min(limitBytes, Math.Max(4096, 2 * (long)buffer.Length))];
            buffer.AsSpan(0, total).CopyTo(grown);
            buffer = grown;
            total = Fill(handle, buffer, total);
        }

        return new InputFileResult.Read(buffer.AsMemory(0, total));
    }

    private static int Fill(SafeFileHandle handle, byte[] buffer, int from)
    {
        var total = from;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static InputFileResult.Refused TooLarge(long limitBytes) =>
        new($"is larger than the {ShowLimit(limitBytes)} limit for this kind of file");

    private static InputFileResult.Refused Failed(string path)
    {
        var errorNumber = Libc.LastErrorNumber();
        const int NoSuchFile = 2;
        const int NotADirectory = 20;
        return errorNumber is NoSuchFile or NotADirectory
            ? Refuse(path, FileKind.Missing)
            : new InputFileResult.Refused($"cannot read: {Libc.ErrorMessage(errorNumber)}");
    }

    private static InputFileResult.Refused Refuse(string path, FileKind kind) =>
        new((kind == FileKind.Missing ? "no such file" : $"is {Name(kind)}, not a regular file") + LinkNote(path));

    /// <summary>" (a link to /dev/zero)" when <paramref name="path"/> is a symbolic link, so the user sees what was met.</summary>
    public static string LinkNote(string path)
    {
        try
        {
            var target = new FileInfo(path).LinkTarget;
            return target is null ? "" : $" (a link to {PrintableText.Escape(target)})";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
