using System.Globalization;

namespace Roost.Core.Overheads;

/// <summary>
/// The cumulative counters of a Linux host behind MOVE's native metrics, as read at one moment from
/// <c>/proc/stat</c>, <c>/proc/net/dev</c> and <c>/proc/diskstats</c>. Two readings give a <see cref="NativeUsage"/>
/// (<see cref="Between"/>). Pure: the caller reads the files.
/// </summary>
/// <remarks>
/// CPU in jiffies of the aggregate <c>cpu</c> line: user = user + nice (guest time is already in them), system =
/// system + irq + softirq, iowait, and total = every field up to steal. Network: every interface but <c>lo</c>.
/// Disk: the devices the caller names as whole disks (partitions would count twice), sectors of 512 bytes.
/// </remarks>
public sealed record HostCounters(
    long CpuUser,
    long CpuSystem,
    long CpuIowait,
    long CpuTotal,
    int Cores,
    long RxPackets,
    long TxPackets,
    long RxBytes,
    long TxBytes,
    long Reads,
    long Writes,
    long ReadSectors,
    long WriteSectors)
{
    /// <summary>Parses the three files; throws <see cref="FormatException"/> naming the file and line if one is not as Linux writes it.</summary>
    /// <param name="procStat">The text of /proc/stat.</param>
    /// <param name="procNetDev">The text of /proc/net/dev.</param>
    /// <param name="procDiskstats">The text of /proc/diskstats.</param>
    /// <param name="isWholeDisk">Whether a <c>/proc/diskstats</c> device name is a whole disk to count.</param>
    public static HostCounters Parse(string procStat, string procNetDev, string procDiskstats, Func<string, bool> isWholeDisk)
    {
        ArgumentNullException.ThrowIfNull(procStat);
        ArgumentNullException.ThrowIfNull(procNetDev);
        ArgumentNullException.ThrowIfNull(procDiskstats);
        ArgumentNullException.ThrowIfNull(isWholeDisk);
        long[]? cpu = null;
        var cores = 0;
        foreach (var (line, number) in Lines(procStat))
        {
            var fields = Fields(line);
            if (fields.Length > 0 && fields[0] == "cpu")
            {
                cpu = Numbers(fields, 1, 8, "/proc/stat", number);
            }
            else if (fields.Length > 0 && fields[0].StartsWith("cpu", StringComparison.Ordinal))
            {
                cores++;
            }
        }

        if (cpu is null || cores == 0)
        {
            throw new FormatException("/proc/stat: no cpu lines");
        }

        long rxPackets = 0, txPackets = 0, rxBytes = 0, txBytes = 0;
        foreach (var (line, number) in Lines(procNetDev).Skip(2))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"/proc/net/dev: line {number}: no ':' after the interface"));
            }

            if (line[..colon].Trim() == "lo")
            {
                continue;
            }

            // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets …
            var counters = Numbers(Fields(line[(colon + 1)..]), 0, 10, "/proc/net/dev", number);
            (rxBytes, rxPackets, txBytes, txPackets) = (rxBytes + counters[0], rxPackets + counters[1], txBytes + counters[8], txPackets + counters[9]);
        }

        long reads = 0, writes = 0, readSectors = 0, writeSectors = 0;
        foreach (var (line, number) in Lines(procDiskstats))
        {
            // major minor name, then reads merged sectors ms, writes merged sectors ms, …
            var fields = Fields(line);
            if (fields.Length < 3 || !isWholeDisk(fields[2]))
            {
                continue;
            }

            var counters = Numbers(fields, 3, 7, "/proc/diskstats", number);
            (reads, readSectors, writes, writeSectors) = (reads + counters[0], readSectors + counters[2], writes + counters[4], writeSectors + counters[6]);
        }

        return new HostCounters(
            cpu[0] + cpu[1], cpu[2] + cpu[5] + cpu[6], cpu[4], cpu.Sum(), cores,
            rxPackets, txPackets, rxBytes, txBytes, reads, writes, readSectors, writeSectors);
    }

    /// <summary>
    /// The usage between two readings <paramref name="seconds"/> apart: CPU as percent of one core (its share of all
    /// jiffies times the cores), the rest per second. A counter that went backwards (a wrap, a device gone) counts 0.
    /// </summary>
    public static NativeUsage Between(HostCounters earlier, HostCounters later, double seconds)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        var jiffies = Math.Max(1, later.CpuTotal - earlier.CpuTotal);
        double Cpu(long a, long b) => Math.Max(0, b - a) * 100.0 * later.Cores / jiffies;
        double Rate(long a, long b) => Math.Max(0, b - a) / seconds;
        return NativeUsage.Of(
            (NativeMetric.CpuUserPct, Cpu(earlier.CpuUser, later.CpuUser)),
            (NativeMetric.CpuSystemPct, Cpu(earlier.CpuSystem, later.CpuSystem)),
            (NativeMetric.CpuIowaitPct, Cpu(earlier.CpuIowait, later.CpuIowait)),
            (NativeMetric.NetRxPacketsPerS, Rate(earlier.RxPackets, later.RxPackets)),
            (NativeMetric.NetTxPacketsPerS, Rate(earlier.TxPackets, later.TxPackets)),
            (NativeMetric.NetRxBytesPerS, Rate(earlier.RxBytes, later.RxBytes)),
            (NativeMetric.NetTxBytesPerS, Rate(earlier.TxBytes, later.TxBytes)),
            (NativeMetric.DiskReadsPerS, Rate(earlier.Reads, later.Reads)),
            (NativeMetric.DiskWritesPerS, Rate(earlier.Writes, later.Writes)),
            (NativeMetric.DiskReadBlocksPerS, Rate(earlier.ReadSectors, later.ReadSectors)),
            (NativeMetric.DiskWriteBlocksPerS, Rate(earlier.WriteSectors, later.WriteSectors)));
    }

    private static IEnumerable<(string Line, int Number)> Lines(string text) =>
        text.Split('\n').Select((line, i) => (line, i + 1)).Where(l => l.line.Trim().Length > 0);

    private static string[] Fields(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private static long[] Numbers(string[] fields, int first, int count, string file, int line)
    {
        if (fields.Length < first + count)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{file}: line {line}: {fields.Length - first} counters, expected at least {count}"));
        }

        var numbers = new long[count];
        for (var i = 0; i < count; i++)
        {
            if (!long.TryParse(fields[first + i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{file}: line {line}: '{fields[first + i]}' is not a counter"));
            }
        }

        return numbers;
    }
}
