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
    /// <summary>Parses a report line; null for any other line (acks, noise).</summary>
    public static GuestReport? TryParse(JsonElement root)
    {
        if (!root.TryGetProperty("seq", out var seq) || !seq.TryGetInt64(out var number))
        {
            return null;
        }

        var cpu = root.GetProperty("cpu");
        var mem = root.GetProperty("memKiB");
        var swap = root.GetProperty("swapKiB");
        var net = root.GetProperty("net");
        return new GuestReport(
            number,
            cpu.GetProperty("user").GetInt64(),
            cpu.GetProperty("nice").GetInt64(),
            cpu.GetProperty("system").GetInt64(),
            cpu.GetProperty("idle").GetInt64(),
            cpu.GetProperty("iowait").GetInt64(),
            cpu.GetProperty("irq").GetInt64(),
            cpu.GetProperty("softirq").GetInt64(),
            cpu.GetProperty("steal").GetInt64(),
            mem.GetProperty("total").GetInt64(),
            mem.GetProperty("free").GetInt64(),
            mem.GetProperty("available").GetInt64(),
            swap.GetProperty("total").GetInt64(),
            swap.GetProperty("free").GetInt64(),
            swap.GetProperty("pagesIn").GetInt64(),
            swap.GetProperty("pagesOut").GetInt64(),
            net.GetProperty("rxBytes").GetInt64(),
            net.GetProperty("txBytes").GetInt64());
    }
}
