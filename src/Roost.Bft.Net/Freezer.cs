using System.Globalization;
using System.Runtime.InteropServices;

namespace Roost.Bft.Net;

/// <summary>
/// Freezes and thaws one process: a sleeping ZZ executor is a frozen process that keeps its memory and uses no CPU,
/// standing in for ZZ's paused VM. The cgroup v1 freezer (<c>/sys/fs/cgroup/freezer</c>, one child group per
/// process) when it is there and writable, SIGSTOP/SIGCONT otherwise. Not thread-safe: one owner (the agent).
/// </summary>
internal sealed partial class Freezer : ISleeper, IDisposable
{
    private const string FreezerRoot = "/sys/fs/cgroup/freezer";
    private const int SigCont = 18;
    private const int SigStop = 19;

    private readonly int _pid;
    private readonly string? _group;

    private Freezer(int pid, string? group)
    {
        _pid = pid;
        _group = group;
    }

    /// <summary>"cgroup v1 freezer" or "SIGSTOP/SIGCONT": what froze the sleepers, for reports.</summary>
    public string Mechanism => _group is null ? "SIGSTOP/SIGCONT" : "cgroup v1 freezer";

    public bool IsFrozen { get; private set; }

    public static Freezer For(int pid, string name)
    {
        if (OperatingSystem.IsLinux() && File.Exists(Path.Combine(FreezerRoot, "cgroup.procs")))
        {
            var group = Path.Combine(FreezerRoot, $"roost-bft-{Environment.ProcessId}-{name}");
            try
            {
                Directory.CreateDirectory(group);
                File.WriteAllText(Path.Combine(group, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));
                return new Freezer(pid, group);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                TryRemove(group);
            }
        }

        return new Freezer(pid, null);
    }

    public void Freeze()
    {
        if (!IsFrozen)
        {
            Set(frozen: true);
            IsFrozen = true;
        }
    }

    public void Thaw()
    {
        if (IsFrozen)
        {
            Set(frozen: false);
            IsFrozen = false;
        }
    }

    /// <summary>Thaws the process (a frozen process cannot die of SIGKILL) and removes the group once it is empty.</summary>
    public void Dispose()
    {
        try
        {
            Thaw();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Thaws whatever this object believes: for the stop path, where a late freeze may have raced a thaw.</summary>
    public void ForceThaw()
    {
        try
        {
            Set(frozen: false);
            IsFrozen = false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Removes the freezer group once its process has exited.</summary>
    public void RemoveGroup()
    {
        if (_group is not null)
        {
            TryRemove(_group);
        }
    }

    private static void TryRemove(string group)
    {
        try
        {
            Directory.Delete(group);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private void Set(bool frozen)
    {
        if (_group is not null)
        {
            File.WriteAllText(Path.Combine(_group, "freezer.state"), frozen ? "FROZEN" : "THAWED");
        }
        else if (Kill(_pid, frozen ? SigStop : SigCont) != 0)
        {
            throw new IOException($"cannot {(frozen ? "stop" : "continue")} process {_pid}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Kill(int pid, int signal);
}
