using System.Net.Sockets;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// Paths that are not what a reader expects: a FIFO, links to endless or empty devices, a socket, a folder, a
/// dangling link, a link loop, a sparse file larger than any reader's limit, a /proc file whose size says 0.
/// </summary>
public static class SpecialFile
{
    /// <summary>The kinds <see cref="Make"/> creates, by name (for the report).</summary>
    public static readonly string[] Kinds =
    [
        "fifo", "link to /dev/zero", "link to /dev/urandom", "link to /dev/null", "socket", "folder", "dangling link",
        "link loop", "sparse 1 GiB file", "link to /proc/self/status", "link to /proc/self/mem", "link to a fifo",
    ];

    /// <summary>Creates a special file of a random kind at <paramref name="path"/> (which must not exist); returns its kind.</summary>
    public static string Make(Random random, string path)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(path);
        var kind = Kinds[random.Next(Kinds.Length)];
        switch (kind)
        {
            case "fifo":
                MakeFifo(path);
                break;
            case "link to /dev/zero":
                File.CreateSymbolicLink(path, "/dev/zero");
                break;
            case "link to /dev/urandom":
                File.CreateSymbolicLink(path, "/dev/urandom");
                break;
            case "link to /dev/null":
                File.CreateSymbolicLink(path, "/dev/null");
                break;
            case "socket":
                MakeSocket(path);
                break;
            case "folder":
                Directory.CreateDirectory(path);
                break;
            case "dangling link":
                File.CreateSymbolicLink(path, path + ".missing");
                break;
            case "link loop":
                File.CreateSymbolicLink(path, path);
                break;
            case "sparse 1 GiB file":
                using (var file = File.Create(path))
                {
                    file.SetLength(1L << 30);
                }

                break;
            case "link to /proc/self/status":
                File.CreateSymbolicLink(path, "/proc/self/status");
                break;
            case "link to /proc/self/mem":
                File.CreateSymbolicLink(path, "/proc/self/mem");
                break;
            default:
                MakeFifo(path + ".fifo");
                File.CreateSymbolicLink(path, path + ".fifo");
                break;
        }

        return kind;
    }

    /// <summary>
    /// Leaves a Unix socket file at <paramref name="path"/>. .NET removes the file it bound when the socket is closed,
    /// so the socket is bound under another name and the file renamed.
    /// </summary>
    public static void MakeSocket(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bound = path + ".bound";
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(bound));
        File.Move(bound, path);
    }

    /// <summary>Creates a named pipe (mkfifo(3)), owner read/write only.</summary>
    public static void MakeFifo(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Libc.MakeFifo(path, Convert.ToUInt32("600", 8)) != 0)
        {
            throw new IOException($"mkfifo {path}: {Libc.ErrorMessage(Libc.LastErrorNumber())}");
        }
    }
}
