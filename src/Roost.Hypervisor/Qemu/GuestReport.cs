using System.Text.Json;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// One line from the guest reporter: gray-box statistics as the guest sees itself. CPU figures are cumulative
/// ticks (USER_HZ) from /proc/stat; memory and swap in KiB from /proc/meminfo, swap pages from /proc/vmstat;
/// network bytes summed over /proc/net/dev. <see cref="Seq"/> counts reports since guest boot.
/// </summary>
public sealed record GuestReport(
    long Seq,
    long CpuUser,
    long CpuNice,
    long CpuSystem,
    long CpuIdle,
    long CpuIowait,
    long CpuIrq,
    long CpuSoftirq,
    long CpuSteal,
    long MemTotalKiB,
    long MemFreeKiB,
    long MemAvailableKiB,
    long SwapTotalKiB,
    long SwapFreeKiB,
    long SwapPagesIn,
    long SwapPagesOut,
    long NetRxBytes,
    long NetTxBytes)
{
    /// <summary>
    /// Parses a report line; null for any other line (acks, noise) and for a report with a missing, non-integer or
    /// negative field (the guest is untrusted: a bad line is ignored, never an exception).
    /// </summary>
    public static GuestReport? TryParse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("seq", out var seqElement)
            || !TryCount(seqElement, out var seq)
            || !TryGroup(root, "cpu", ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"], out var cpu)
            || !TryGroup(root, "memKiB", ["total", "free", "available"], out var mem)
            || !TryGroup(root, "swapKiB", ["total", "free", "pagesIn", "pagesOut"], out var swap)
            || !TryGroup(root, "net", ["rxBytes", "txBytes"], out var net))
        {
            return null;
        }

        return new GuestReport(
            seq, cpu[0], cpu[1], cpu[2], cpu[3], cpu[4], cpu[5], cpu[6], cpu[7], mem[0], mem[1], mem[2], swap[0], swap[1], swap[2], swap[3], net[0], net[1]);
    }

    /// <summary>A JSON integer from 0 to <see cref="long.MaxValue"/>.</summary>
    internal static bool TryCount(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value) && value >= 0;
    }

    private static bool TryGroup(JsonElement root, string name, string[] fields, out long[] values)
    {
        values = new long[fields.Length];
        if (!root.TryGetProperty(name, out var group) || group.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        for (var i = 0; i < fields.Length; i++)
        {
            if (!group.TryGetProperty(fields[i], out var field) || !TryCount(field, out values[i]))
            {
                return false;
            }
        }

        return true;
    }
}
