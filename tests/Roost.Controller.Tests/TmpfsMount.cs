using System.Diagnostics;

namespace Roost.Controller.Tests;

/// <summary>
/// A small tmpfs mounted on a fresh temporary directory (root only), to give a test a file system it can fill:
/// unmounted and removed on dispose. <see cref="SkipReason"/> says why a test cannot have one here.
/// </summary>
internal sealed class TmpfsMount : IDisposable
{
    private TmpfsMount(string path)
    {
        Path = path;
    }

    public string Path { get; }

    public static string? SkipReason { get; } = Probe();

    public static TmpfsMount Create(int sizeKiB, bool readOnly = false)
    {
        var path = Directory.CreateTempSubdirectory("roost-tmpfs-").FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={sizeKiB}k,mode=0700{(readOnly ? ",ro" : "")}", "tmpfs", path);
        if (code != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"mount -t tmpfs on {path} failed ({code}): {output}");
        }

        return new TmpfsMount(path);
    }

    /// <summary>Writes to <paramref name="file"/> until the file system is full; returns the bytes written.</summary>
    public static long Fill(string file)
    {
        var chunk = new byte[16 * 1024];
        long written = 0;
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write);
        try
        {
            while (true)
            {
                stream.Write(chunk);
                stream.Flush();
                written += chunk.Length;
            }
        }
        catch (IOException)
        {
            return written;
        }
    }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: left for the OS temp cleaner.
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            return "needs root on Linux to mount a small tmpfs it can fill";
        }

        try
        {
            using var probe = Create(64);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or IOException)
        {
            return $"cannot mount a tmpfs here: {e.Message}";
        }
    }

    private static (int Code, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            return (-1, $"{file} did not finish within 30 s");
        }

        return (process.ExitCode, output.Result);
    }
}
