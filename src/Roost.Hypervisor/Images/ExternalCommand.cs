using System.ComponentModel;
using System.Diagnostics;

namespace Roost.Hypervisor.Images;

/// <summary>Runs a host tool (apt-get, dpkg-deb, xz) to completion. A missing tool is an exit code, not an exception.</summary>
internal static class ExternalCommand
{
    /// <summary>The outcome of one run. <see cref="ExitCode"/> is -1 when the tool could not be started.</summary>
    public sealed record Result(int ExitCode, string StandardError)
    {
        public string FirstErrorLine =>
            StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .FirstOrDefault(l => l.StartsWith("E:", StringComparison.Ordinal) || l.Contains("error", StringComparison.OrdinalIgnoreCase))
            ?? StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? $"exit code {ExitCode}";
    }

    /// <summary>
    /// Runs <paramref name="file"/>; <paramref name="stdin"/> is written to its input, and its output is handed to
    /// <paramref name="consumeStdout"/> (or discarded).
    /// </summary>
    public static async Task<Result> RunAsync(
        string file,
        IEnumerable<string> arguments,
        string workingDirectory,
        ReadOnlyMemory<byte> stdin,
        Func<Stream, CancellationToken, Task>? consumeStdout,
        CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new Result(-1, $"cannot run '{file}': {e.Message}");
        }

        try
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var feed = FeedAsync(process, stdin, cancellationToken);
            var stdout = process.StandardOutput.BaseStream;
            if (consumeStdout is not null)
            {
                await consumeStdout(stdout, cancellationToken).ConfigureAwait(false);
            }

            await stdout.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            await feed.ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            return new Result(process.ExitCode, await stderr.ConfigureAwait(false));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The full path of <paramref name="program"/> on PATH (a conventional one when PATH is unset), or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// The full path of <paramref name="program"/>: the first on PATH, else in /usr/sbin or /sbin, where Debian puts
    /// system tools (mkfs.ext4, e2fsck, debugfs) that a non-root user's PATH lacks; null when it is in none of them.
    /// </summary>
    public static string? FindTool(string program) =>
        FindOnPath(program) ?? _systemDirectories.Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);

    private static readonly string[] _systemDirectories = ["/usr/sbin", "/sbin"];

    public static Task<Result> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken) =>
        RunAsync(file, arguments, workingDirectory, ReadOnlyMemory<byte>.Empty, null, cancellationToken);

    private static async Task FeedAsync(Process process, ReadOnlyMemory<byte> stdin, CancellationToken cancellationToken)
    {
        try
        {
            if (!stdin.IsEmpty)
            {
                await process.StandardInput.BaseStream.WriteAsync(stdin, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The tool stopped reading (it failed); its exit code and stderr say why.
        }
        finally
        {
            process.StandardInput.Close();
        }
    }
}
