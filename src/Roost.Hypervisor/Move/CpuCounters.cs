using System.Globalization;

namespace Roost.Hypervisor.Move;

/// <summary>
/// CPU jiffies read from procfs for MOVE's bench: a process with its reaped children (a native application:
/// <c>utime</c>, <c>stime</c>, <c>cutime</c>, <c>cstime</c> of <c>/proc/PID/stat</c>), or a QEMU process split into its
/// vCPU threads (the guest) and every other thread (emulation and I/O), by thread name (<c>CPU n/TCG</c>,
/// <c>CPU n/KVM</c>).
/// </summary>
public readonly record struct CpuCounters(long User, long System, long Guest, long Emulation)
{
    /// <summary>The kernel's clock ticks a second (USER_HZ), 100 on every Linux that Roost runs on.</summary>
    public const double TicksPerSecond = 100;

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

    /// <summary>A native application process with its reaped children; null when it is gone.</summary>
    public static CpuCounters? OfProcess(int pid)
    {
        var stat = Read($"/proc/{pid}/stat");
        return stat is not null && ParseStat(stat) is { } s ? new CpuCounters(s.User + s.ChildUser, s.System + s.ChildSystem, 0, 0) : null;
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

        long guest = 0, emulation = 0;
        foreach (var task in tasks)
        {
            if (Read(Path.Combine(task, "stat")) is { } stat && ParseStat(stat) is { } s)
            {
                if (IsVcpuThread(s.Name))
                {
                    guest += s.User + s.System;
                }
                else
                {
                    emulation += s.User + s.System;
                }
            }
        }

        return new CpuCounters(0, 0, guest, emulation);
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
