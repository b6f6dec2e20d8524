using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests;

/// <summary>
/// What killed test runs left behind: their QEMU processes (orphans that keep running their guests, load the machine
/// and make later boots slow), guest RAM files in /dev/shm and run directories. Test agents are named after the test
/// process (<c>t12345-3-src</c>, <c>t12345-restart</c>, <c>api12345</c>, <c>c12345-1-a</c>), so whether the owner is
/// gone is read from the name: no process has its pid any more, or the one that has it started after the leftover was
/// made (the pid was reused). Leftovers of a live owner are never touched: test runs of other worktrees share the
/// machine and /dev/shm. Linked into every test project that boots guests (one copy of the code).
/// </summary>
public static partial class StaleTestGuests
{
    /// <summary>What one sweep did.</summary>
    /// <param name="KilledQemus">Pids of the QEMU processes killed.</param>
    /// <param name="RemovedPaths">RAM files and run directories removed.</param>
    public sealed record Swept(IReadOnlyList<int> KilledQemus, IReadOnlyList<string> RemovedPaths)
    {
        public override string ToString() =>
            $"{KilledQemus.Count} orphaned QEMU processes killed, {RemovedPaths.Count} stale files and run directories removed";
    }

    /// <summary>
    /// Kills the QEMU processes whose RAM file is <c><paramref name="shmDirectory"/>/roost.AGENT.VM</c> for a test agent
    /// whose owner is gone, then removes such RAM files and <c><paramref name="runRoot"/>/AGENT</c> (and
    /// <c>probe-PID</c>) directories.
    /// </summary>
    public static Swept Sweep(string shmDirectory = "/dev/shm", string? runRoot = null)
    {
        runRoot ??= Path.Combine(Path.GetTempPath(), "roost-tests");
        var killed = new List<int>();
        var removed = new List<string>();
        var memPath = $"mem-path={Path.TrimEndingDirectorySeparator(shmDirectory)}/roost.";

        foreach (var (qemu, agent) in QemuProcesses(memPath))
        {
            if (OwnerPid(agent) is { } owner && !OwnerStartedBefore(owner, qemu.StartTicks) && Kill(qemu))
            {
                killed.Add(qemu.Pid);
            }
        }

        foreach (var file in Directory.Exists(shmDirectory) ? Directory.GetFiles(shmDirectory, "roost.*") : [])
        {
            var agent = Path.GetFileName(file).Split('.') is [_, var name, ..] ? name : "";
            if (OwnerPid(agent) is { } owner && !OwnerStartedBefore(owner, File.GetLastWriteTimeUtc(file)) && Delete(file))
            {
                removed.Add(file);
            }
        }

        foreach (var directory in Directory.Exists(runRoot) ? Directory.GetDirectories(runRoot) : [])
        {
            var name = Path.GetFileName(directory);
            var owner = name.StartsWith("probe-", StringComparison.Ordinal) ? OwnerPid(name["probe-".Length..], probe: true) : OwnerPid(name);
            if (owner is { } pid && !OwnerStartedBefore(pid, Directory.GetLastWriteTimeUtc(directory)) && Delete(directory))
            {
                removed.Add(directory);
            }
        }

        return new Swept(killed, removed);
    }

    [GeneratedRegex("^(?:t|c|api)(?<pid>[0-9]{1,9})(?:-[A-Za-z0-9-]*)?$")]
    private static partial Regex TestAgentName();

    /// <summary>The pid of the test process an agent name belongs to, or null for a name no test gives.</summary>
    private static int? OwnerPid(string name, bool probe = false)
    {
        if (probe)
        {
            return int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        }

        var match = TestAgentName().Match(name);
        return match.Success ? int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture) : null;
    }

    /// <summary>Whether <paramref name="pid"/> is a live process that started no later than a QEMU that started at <paramref name="startTicks"/>.</summary>
    private static bool OwnerStartedBefore(int pid, long startTicks) =>
        ProcessIdentity.Of(pid) is { } owner && owner.IsAlive && owner.StartTicks <= startTicks;

    /// <summary>
    /// Whether <paramref name="pid"/> is a live process that started before a file was last written. A margin of two
    /// seconds favours the owner: in doubt, a leftover stays.
    /// </summary>
    private static bool OwnerStartedBefore(int pid, DateTime lastWriteUtc) =>
        ProcessIdentity.Of(pid) is { } owner && owner.IsAlive
            && BootTimeUtc() + TimeSpan.FromSeconds(owner.StartTicks / 100.0) <= lastWriteUtc + TimeSpan.FromSeconds(2);

    /// <summary>QEMU processes with a RAM file under the given prefix, and the agent name in that file's name.</summary>
    private static IEnumerable<(ProcessIdentity Process, string Agent)> QemuProcesses(string memPath)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || ReadArguments(pid) is not { } args)
            {
                continue;
            }

            if (args.Length == 0 || !Path.GetFileName(args[0]).StartsWith("qemu-system", StringComparison.Ordinal))
            {
                continue;
            }

            var at = args.Select(a => a.IndexOf(memPath, StringComparison.Ordinal) is var i and >= 0 ? a[(i + memPath.Length)..] : null).FirstOrDefault(a => a is not null);
            if (at is not null && ProcessIdentity.Of(pid) is { } process)
            {
                yield return (process, at.Split('.', ',')[0]);
            }
        }
    }

    private static string[]? ReadArguments(int pid)
    {
        try
        {
            return Encoding.UTF8.GetString(File.ReadAllBytes($"/proc/{pid}/cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Kills the very process <paramref name="qemu"/> names (not a later one with its pid) and waits for it to go.</summary>
    private static bool Kill(ProcessIdentity qemu)
    {
        try
        {
            if (!qemu.IsAlive)
            {
                return false;
            }

            using var process = System.Diagnostics.Process.GetProcessById(qemu.Pid);
            process.Kill();
            for (var i = 0; i < 100 && qemu.IsAlive; i++)
            {
                Thread.Sleep(50);
            }

            return true;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone between the look and the kill, or not ours to kill.
            return false;
        }
    }

    private static bool Delete(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another sweep (a parallel test project) got there first, or it is not ours to remove.
            return false;
        }
    }

    private static DateTime BootTimeUtc()
    {
        var line = File.ReadLines("/proc/stat").First(l => l.StartsWith("btime ", StringComparison.Ordinal));
        return DateTime.UnixEpoch.AddSeconds(long.Parse(line["btime ".Length..], CultureInfo.InvariantCulture));
    }
}
