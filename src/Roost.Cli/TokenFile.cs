using System.Text;
using Roost.Simulation.Input;

namespace Roost.Cli;

/// <summary>
/// A bearer-token file the user named (<c>--token-file</c>, <c>--agent-token-file</c>), read through
/// <see cref="InputFile"/>: a FIFO, a device or an enormous file is refused in one line instead of blocking the start.
/// </summary>
internal static class TokenFile
{
    /// <summary>Far more than any token file (one token, or one <c>URL TOKEN</c> line per agent) needs.</summary>
    public const long MaxBytes = 64 * 1024;

    /// <summary>The file's text, trimmed; a <see cref="UsageException"/> (exit 2) starting with <paramref name="option"/> when it is unreadable or empty.</summary>
    public static string Read(string option, string path)
    {
        var shown = PrintableText.Escape(path);
        var text = InputFile.Read(path, MaxBytes) switch
        {
            InputFileResult.Read read => Encoding.UTF8.GetString(read.Bytes.Span).Trim(),
            InputFileResult.Refused refused => throw new UsageException($"{option} {shown}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
        return text.Length > 0 ? text : throw new UsageException($"{option} {shown}: is empty");
    }

    /// <summary>A <see cref="UsageException"/> (exit 2) starting with <paramref name="option"/> when the file's group or others may read or write it.</summary>
    public static void RefuseOpenToOthers(string option, string path)
    {
        const UnixFileMode Others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & Others) != 0)
        {
            throw new UsageException($"{option} {PrintableText.Escape(path)}: is readable or writable by others (chmod 600 it)");
        }
    }
}
