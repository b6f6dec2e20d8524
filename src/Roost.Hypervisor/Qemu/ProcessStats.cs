using System.Globalization;

namespace Roost.Hypervisor.Qemu;

/// <summary>Black-box statistics of a QEMU process as the host sees it: CPU time used and resident memory.</summary>
public sealed record ProcessStats(TimeSpan CpuTime, long ResidentBytes)
{
    // USER_HZ, the unit of utime/stime in /proc/PID/stat, is 100 on every Linux architecture Roost runs on.
    private const double TicksPerSecond = 100;

    /// <summary>Reads /proc/PID/stat; null when the process is gone.</summary>
    public static ProcessStats? Read(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        return Parse(text, Environment.SystemPageSize);
    }

    /// <summary>
    /// How long the process has waited, runnable, for a CPU: the second figure of <c>/proc/PID/task/TID/schedstat</c>,
    /// the longest over its threads (time that thread would have run on an idle host).
    /// Null when the process is gone or the kernel keeps no such figure.
    /// </summary>
    public static TimeSpan? ReadRunQueueWait(int pid)
    {
        long longest = -1;
        try
        {
            foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (fields.Length >= 2 && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var waitNs))
                    {
                        longest = Math.Max(longest, waitNs);
                    }
                }
                catch (IOException)
                {
                    // The thread ended while we looked.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        return longest < 0 ? null : TimeSpan.FromTicks(longest / 100);
    }

    /// <summary>Parses one /proc/PID/stat line (proc(5)): fields after the ')' that closes the command name.</summary>
    public static ProcessStats? Parse(string stat, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(stat);
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        // Field 3 (state) is index 0 here; utime is field 14, stime 15, rss 24.
        var fields = stat[(close + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 22)
        {
            return null;
        }

        var utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
        var rssPages = long.Parse(fields[21], CultureInfo.InvariantCulture);
        return new ProcessStats(TimeSpan.FromSeconds((utime + stime) / TicksPerSecond), rssPages * pageSize);
    }
}
