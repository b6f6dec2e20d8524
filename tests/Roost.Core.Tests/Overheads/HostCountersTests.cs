using Roost.Core.Overheads;

namespace Roost.Core.Tests.Overheads;

public sealed class HostCountersTests
{
    private const string NetDevHeader =
        "Inter-|   Receive                                                |  Transmit\n"
        + " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n";

    private static HostCounters Reading(long user, long system, long idle, long iowait, long rxBytes, long rxPackets, long txBytes, long txPackets, long reads, long readSectors, long writes, long writeSectors) =>
        HostCounters.Parse(
            $"cpu  {user} 0 {system} {idle} {iowait} 0 0 0 0 0\ncpu0 1 1 1 1 1 1 1 1 0 0\ncpu1 1 1 1 1 1 1 1 1 0 0\nintr 1 2 3\n",
            NetDevHeader
            + "    lo: 999999 999 0 0 0 0 0 0 999999 999 0 0 0 0 0 0\n"
            + $"  eth0: {rxBytes} {rxPackets} 0 0 0 0 0 0 {txBytes} {txPackets} 0 0 0 0 0 0\n",
            $" 254 0 vda {reads} 0 {readSectors} 10 {writes} 0 {writeSectors} 20 0 30 30 0 0 0 0\n"
            + $" 254 1 vda1 {reads} 0 {readSectors} 10 {writes} 0 {writeSectors} 20 0 30 30 0 0 0 0\n"
            + "   7 0 loop0 5 0 5 0 5 0 5 0 0 0 0 0 0 0 0\n",
            name => name == "vda");

    [Fact]
    public void Between_GivesTheNativeMetrics_OverTheInterval()
    {
        // 2 cores, 2 s: 400 jiffies pass, 100 of them user, 60 system, 40 iowait → 100/400·2·100 = 50 % of one core
        // user, 30 % system, 20 % iowait. eth0: 2000 packets and 3,000,000 bytes in, 1000 and 100,000 out → per second
        // 1000, 1,500,000, 500, 50,000; lo is not counted. vda (not its partition vda1, not loop0): 40 reads of 320
        // sectors, 10 writes of 80 sectors → 20, 160, 5, 40 per second.
        var earlier = Reading(1000, 500, 3000, 100, 1000, 10, 1000, 10, 100, 800, 50, 400);
        var later = Reading(1100, 560, 3200, 140, 3_001_000, 2010, 101_000, 1010, 140, 1120, 60, 480);

        var usage = HostCounters.Between(earlier, later, seconds: 2);

        Assert.Equal(50, usage[NativeMetric.CpuUserPct], 1e-9);
        Assert.Equal(30, usage[NativeMetric.CpuSystemPct], 1e-9);
        Assert.Equal(20, usage[NativeMetric.CpuIowaitPct], 1e-9);
        Assert.Equal(1000, usage[NativeMetric.NetRxPacketsPerS], 1e-9);
        Assert.Equal(500, usage[NativeMetric.NetTxPacketsPerS], 1e-9);
        Assert.Equal(1_500_000, usage[NativeMetric.NetRxBytesPerS], 1e-9);
        Assert.Equal(50_000, usage[NativeMetric.NetTxBytesPerS], 1e-9);
        Assert.Equal(20, usage[NativeMetric.DiskReadsPerS], 1e-9);
        Assert.Equal(160, usage[NativeMetric.DiskReadBlocksPerS], 1e-9);
        Assert.Equal(5, usage[NativeMetric.DiskWritesPerS], 1e-9);
        Assert.Equal(40, usage[NativeMetric.DiskWriteBlocksPerS], 1e-9);
    }

    [Fact]
    public void Between_CounterGoingBackwards_CountsZero()
    {
        var earlier = Reading(1000, 500, 3000, 100, 5000, 50, 0, 0, 0, 0, 0, 0);
        var later = Reading(1100, 500, 3100, 100, 10, 1, 0, 0, 0, 0, 0, 0);

        var usage = HostCounters.Between(earlier, later, seconds: 1);

        Assert.Equal(0, usage[NativeMetric.NetRxBytesPerS]);
        Assert.Equal(100, usage[NativeMetric.CpuUserPct], 1e-9);
    }

    [Fact]
    public void Parse_MalformedFile_NamesFileAndLine()
    {
        var error = Assert.Throws<FormatException>(() => HostCounters.Parse("cpu 1 2 x 4 5 6 7 8\ncpu0 1\n", NetDevHeader, "", _ => true));

        Assert.Equal("/proc/stat: line 1: 'x' is not a counter", error.Message);
    }
}
