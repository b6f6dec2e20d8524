using System.Globalization;

namespace Roost.Hypervisor.Move;

/// <summary>
/// A native application's CPU: exact nanoseconds in all, and the user and system ticks by which an interval's time is
/// split between the two (ticks of 10 ms alone are too coarse for loads of a few percent; with only ticks, the total
/// is the ticks' time and the split exact to the tick).
/// </summary>
public readonly record struct NativeCpu(long TotalNanoseconds, long UserTicks, long SystemTicks)
{
    /// <summary>The user and system nanoseconds spent since <paramref name="before"/>: the interval's time in the proportion of its ticks (all user when no tick fell in it).</summary>
    public (long User, long System) Since(NativeCpu before)
    {
        var spent = Math.Max(0, TotalNanoseconds - before.TotalNanoseconds);
        var (user, system) = (Math.Max(0, UserTicks - before.UserTicks), Math.Max(0, SystemTicks - before.SystemTicks));
        var systemSpent = user + system == 0 ? 0 : (long)Math.Round(spent * ((double)system / (user + system)));
        return (spent - systemSpent, systemSpent);
    }
}

/// <summary>A QEMU process's CPU in nanoseconds: its vCPU threads (the guest) and the rest (emulation and I/O).</summary>
public readonly record struct QemuCpu(long GuestNanoseconds, long EmulationNanoseconds);

/// <summary>
/// Reads CPU time from procfs and cgroups for MOVE's bench: a native application (<see cref="NativeCpu"/>), or a QEMU
/// process split by thread name (<c>CPU n/TCG</c>, <c>CPU n/KVM</c>) into guest and emulation (<see cref="QemuCpu"/>).
/// vCPU thread times come from <c>/proc/PID/task/TID/schedstat</c> (nanoseconds on the CPU, exact).
/// </summary>
public static class CpuCounters
{
    private const long NanosecondsPerTick = 10_000_000;

    /// <summary>Parses one <c>/proc/PID/stat</c> (or <c>task/TID/stat</c>) line: (name, utime, stime, cutime, cstime); null if it is not one.</summary>
    public static (string Name, long User, long System, long ChildUser, long ChildSystem)? ParseStat(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        // After ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime cutime cstime.
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 15
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
            || !long.TryParse(fields[13], NumberStyles.None, CultureInfo.InvariantCulture, out var childUser)
            || !long.TryParse(fields[14], NumberStyles.None, CultureInfo.InvariantCulture, out var childSystem))
        {
            return null;
        }

        return (stat[(open + 1)..close], user, system, childUser, childSystem);
    }

    /// <summary>Whether a QEMU thread named <paramref name="name"/> runs a vCPU.</summary>
    public static bool IsVcpuThread(string name) =>
        name.StartsWith("CPU ", StringComparison.Ordinal) && (name.EndsWith("/TCG", StringComparison.Ordinal) || name.EndsWith("/KVM", StringComparison.Ordinal));

    /// <summary>A native application process with its reaped children (tick resolution); null when it is gone.</summary>
    public static NativeCpu? OfProcess(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        return stat is not null && ParseStat(stat) is { } s
            ? new NativeCpu((s.User + s.ChildUser + s.System + s.ChildSystem) * NanosecondsPerTick, s.User + s.ChildUser, s.System + s.ChildSystem)
            : null;
    }

    /// <summary>
    /// A cgroup-v1 cpuacct group holding a native application and everything it forks: <c>cpuacct.usage</c> (exact
    /// nanoseconds) and <c>cpuacct.stat</c>'s user and system ticks; null when the group cannot be read.
    /// </summary>
    public static NativeCpu? OfCgroup(string directory)
    {
        var usage = Read(Path.Combine(directory, "cpuacct.usage"));
        var stat = Read(Path.Combine(directory, "cpuacct.stat"));
        if (usage is null || stat is null || !long.TryParse(usage.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var total))
        {
            return null;
        }

        long user = 0, system = 0;
        foreach (var line in stat.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                (user, system) = parts[0] switch { "user" => (value, system), "system" => (user, value), _ => (user, system) };
            }
        }

        return new NativeCpu(total, user, system);
    }

    /// <summary>A QEMU process, its threads split into vCPU (guest) and the rest (emulation); null when it is gone.</summary>
    public static QemuCpu? OfQemu(int pid)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (IOException)
        {
            return null;
        }

        // The guest: the vCPU threads' exact time (they live as long as the VM). The emulation: the process's total
        // (ticks, which keep the time of I/O worker threads that have exited) less the guest's.
        long guest = 0;
        foreach (var task in tasks)
        {
            var name = Read(Path.Combine(task, "comm"))?.TrimEnd('\n');
            var schedstat = Read(Path.Combine(task, "schedstat"))?.Split(' ');
            if (name is not null && IsVcpuThread(name) && schedstat is { Length: >= 1 }
                && long.TryParse(schedstat[0], NumberStyles.None, CultureInfo.InvariantCulture, out var onCpu))
            {
                guest += onCpu;
            }
        }

        var process = Read($"/proc/{pid}/stat") is { } stat ? ParseStat(stat) : null;
        return process is { } p ? new QemuCpu(guest, ((p.User + p.System) * NanosecondsPerTick) - guest) : null;
    }

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
