using System.Diagnostics;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests;

/// <summary>
/// The sweeper the QEMU fixtures run at start, on stand-ins: processes named <c>qemu-system-x86_64</c> holding a
/// <c>mem-path=</c> argument as QEMU does, RAM files and run directories in a folder of the test's own.
/// </summary>
public sealed class StaleTestGuestsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("roost-sweep-").FullName;
    private readonly List<Process> _started = [];

    private string Shm => Path.Combine(_root, "shm");

    private string Runs => Path.Combine(_root, "runs");

    [Fact]
    public void Sweep_RemovesWhatDeadOwnersLeft_AndNeverTouchesALiveOwnersGuests()
    {
        var dead = DeadPid();
        var live = Environment.ProcessId;
        var reused = Start("sleep", "600");
        var orphan = FakeQemu($"t{dead}-1-gone");
        var mine = FakeQemu($"t{live}-2-live");
        var deadFiles = new[] { RamFile($"t{dead}-1-gone"), RamFile($"c{dead}-4-a"), RunDirectory($"t{dead}-1-gone"), RunDirectory($"probe-{dead}") };
        var liveFiles = new[] { RamFile($"t{live}-2-live"), RamFile($"api{live}"), RunDirectory($"t{live}-2-live"), RamFile("production-agent"), RunDirectory("notes") };

        // A file of an hour ago named after a process that started just now: the pid was reused, its owner is gone.
        var reusedFile = RamFile($"t{reused.Id}-3-old");
        File.SetLastWriteTimeUtc(reusedFile, DateTime.UtcNow.AddHours(-1));

        var swept = StaleTestGuests.Sweep(Shm, Runs);

        Assert.Equal([orphan.Pid], swept.KilledQemus);
        Assert.False(orphan.IsAlive, "the orphaned QEMU still runs");
        Assert.True(mine.IsAlive, "the live owner's QEMU was killed");
        Assert.All(deadFiles.Append(reusedFile), path => Assert.False(Path.Exists(path), $"{path} was left"));
        Assert.All(liveFiles, path => Assert.True(Path.Exists(path), $"{path} was removed"));
        Assert.Equal(deadFiles.Length + 1, swept.RemovedPaths.Count);
    }

    [Fact]
    public void Sweep_OfFoldersThatDoNotExist_DoesNothing()
    {
        var swept = StaleTestGuests.Sweep(Path.Combine(_root, "none"), Path.Combine(_root, "none"));

        Assert.Equal((0, 0), (swept.KilledQemus.Count, swept.RemovedPaths.Count));
    }

    public void Dispose()
    {
        foreach (var process in _started)
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A pid that no process has any more.</summary>
    private static int DeadPid()
    {
        using var process = Process.Start("true") ?? throw new InvalidOperationException("cannot run true");
        process.WaitForExit();
        return process.Id;
    }

    /// <summary>A process that looks like a guest of <paramref name="agent"/> to the sweeper: argv[0] and the RAM file argument of QEMU.</summary>
    private ProcessIdentity FakeQemu(string agent)
    {
        var script = $"exec -a qemu-system-x86_64 tail -f /dev/null -- -object memory-backend-file,id=ram,size=128M,mem-path={Shm}/roost.{agent}.vm-1,share=on";
        var process = Start("bash", "-c", script);
        for (var i = 0; i < 200 && !File.ReadAllText($"/proc/{process.Id}/cmdline").StartsWith("qemu-system", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(25);
        }

        return ProcessIdentity.Of(process.Id) ?? throw new InvalidOperationException("the stand-in QEMU did not start");
    }

    private Process Start(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {program}");
        _started.Add(process);
        return process;
    }

    private string RamFile(string agent)
    {
        Directory.CreateDirectory(Shm);
        var path = Path.Combine(Shm, $"roost.{agent}.vm-1");
        File.WriteAllBytes(path, new byte[4096]);
        return path;
    }

    private string RunDirectory(string name)
    {
        var path = Path.Combine(Runs, name);
        Directory.CreateDirectory(path);
        File.WriteAllText(Path.Combine(path, "vm-1.pid"), "1");
        return path;
    }
}
