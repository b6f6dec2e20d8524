using System.Globalization;

namespace Roost.Hypervisor.Move;

/// <summary>
/// CPU time in nanoseconds for MOVE's bench: a native application's user and system time, or a QEMU process split
/// into its vCPU threads (the guest) and every other thread (emulation and I/O), by thread name (<c>CPU n/TCG</c>,
/// <c>CPU n/KVM</c>). Thread times come from <c>/proc/PID/task/TID/schedstat</c> (nanoseconds on the CPU, exact);
/// tick counts (<c>/proc/PID/stat</c>, 10 ms each) are too coarse for loads of a few percent.
/// </summary>
public readonly record struct CpuCounters(long User, long System, long Guest, long Emulation)
{
    /// <summary>The kernel's clock ticks a second (USER_HZ), 100 on every Linux that Roost runs on.</summary>
    public const double TicksPerSecond = 100;

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
    public static CpuCounters? OfProcess(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        return stat is not null && ParseStat(stat) is { } s
            ? new CpuCounters((s.User + s.ChildUser) * NanosecondsPerTick, (s.System + s.ChildSystem) * NanosecondsPerTick, 0, 0)
            : null;
    }

    /// <summary>
    /// A cgroup-v1 cpuacct group holding a native application and everything it forks: <c>cpuacct.usage</c> (exact
    /// nanoseconds) split into user and system in the proportion of <c>cpuacct.stat</c>'s ticks, whose own resolution
    /// is too coarse to use alone. Pass the previous reading to split the interval's time by the interval's ticks.
    /// </summary>
    public static CpuCounters? OfCgroup(string directory, CpuCounters? previous, ref (long User, long System) ticks)
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

        var (lastUser, lastSystem) = ticks;
        ticks = (user, system);
        if (previous is not { } before)
        {
            return new CpuCounters(total, 0, 0, 0);
        }

        // The interval's exact time, split by the interval's ticks (all user when no tick fell in it).
        var spent = Math.Max(0, total - (before.User + before.System));
        var (du, ds) = (Math.Max(0, user - lastUser), Math.Max(0, system - lastSystem));
        var systemShare = du + ds == 0 ? 0 : (double)ds / (du + ds);
        var systemSpent = (long)Math.Round(spent * systemShare);
        return new CpuCounters(before.User + spent - systemSpent, before.System + systemSpent, 0, 0);
    }

    /// <summary>A QEMU process, its threads split into vCPU (guest) and the rest (emulation); null when it is gone.</summary>
    public static CpuCounters? OfQemu(int pid)
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
        return process is { } p ? new CpuCounters(0, 0, guest, ((p.User + p.System) * NanosecondsPerTick) - guest) : null;
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
