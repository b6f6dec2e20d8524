using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

public sealed class ProcessStatsTests
{
    [Fact]
    public void Parse_SumsUserAndSystemTicks_AndScalesRssByPageSize()
    {
        // A QEMU stat line; the command name holds a space and a ')' to check the parser anchors on the last ')'.
        const string Stat = "4242 (qemu (x) y) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 50 0 0 20 0 3 0 12345 700000000 45000 18446744073709551615";

        var stats = ProcessStats.Parse(Stat, 4096);

        Assert.NotNull(stats);
        Assert.Equal(TimeSpan.FromSeconds(3), stats.CpuTime);
        Assert.Equal(45000L * 4096, stats.ResidentBytes);
    }

    [Fact]
    public void Read_OwnProcess_HasCpuTimeAndMemory()
    {
        var stats = ProcessStats.Read(Environment.ProcessId);

        Assert.NotNull(stats);
        Assert.True(stats.ResidentBytes > 0);
    }

    [Fact]
    public void Parse_Truncated_IsNull()
    {
        Assert.Null(ProcessStats.Parse("12 (x) S 1 2", 4096));
    }
}
