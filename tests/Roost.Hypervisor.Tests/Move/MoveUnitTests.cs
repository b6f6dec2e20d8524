using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Move;

namespace Roost.Hypervisor.Tests.Move;

public sealed class MoveUnitTests
{
    [Fact]
    public void LoadgenPlan_Arguments_IncludeWorkSpawnAndTcp()
    {
        var plan = new LoadgenPlan(5, WorkRate: 50, SpawnRate: 20, TcpSendTo: "10.0.0.2", TcpPort: 9556, TcpSize: 16384, TcpRate: 100);

        Assert.Equal(["--seconds", "5", "--work", "50", "--spawn", "20", "--tcp-send", "10.0.0.2:9556:16384:100"], plan.Arguments("/dev/vda"));
        Assert.Contains("tcpSendTo needs", new LoadgenPlan(5, TcpSendTo: "10.0.0.2").Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void LoadgenPlan_Arguments_AreTheGeneratorsOptions()
    {
        var plan = new LoadgenPlan(12, CpuPercent: 30, UdpSendTo: "10.1.2.3", UdpPort: 9555, UdpSize: 512, UdpRate: 2000, WriteBlock: 4096, WriteRate: 200, SpanMiB: 32);

        Assert.Equal(
            ["--seconds", "12", "--span", "32", "--cpu", "30", "--udp-send", "10.1.2.3:9555:512:2000", "--write", "/dev/vda:4096:200"],
            plan.Arguments("/dev/vda"));
    }

    [Theory]
    [InlineData(0, null, null, "seconds 0")]
    [InlineData(5, 101, null, "cpuPercent 101")]
    [InlineData(5, null, "10.1.2.3; reboot", "udpSendTo '10.1.2.3; reboot' must be an IPv4 address")]
    [InlineData(5, null, "010.1.2.3", "must be an IPv4 address")]
    [InlineData(5, null, "10.1.2.3", "udpSendTo needs udpPort")]
    public void LoadgenPlan_Validate_NamesTheFirstBadField(int seconds, int? cpu, string? sendTo, string expected)
    {
        var error = new LoadgenPlan(seconds, CpuPercent: cpu, UdpSendTo: sendTo).Validate();

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new LoadgenPlan(seconds, CpuPercent: cpu, UdpSendTo: sendTo).Arguments("/dev/vda"));
    }

    [Fact]
    public void LoadgenPlan_Validate_RefusesBlocksThatAreNotSectorMultiplesAndHalfGivenPairs()
    {
        Assert.Contains("multiples of 512", new LoadgenPlan(5, ReadBlock: 1000, ReadRate: 10).Validate(), StringComparison.Ordinal);
        Assert.Contains("readBlock and readRate go together", new LoadgenPlan(5, ReadBlock: 4096).Validate(), StringComparison.Ordinal);
        Assert.Contains("not both", new LoadgenPlan(5, UdpSendTo: "10.0.0.1", UdpSinkOn: "10.0.0.2", UdpPort: 1, UdpSize: 1, UdpRate: 1).Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Suite_EveryBenchmarkHasValidPlans_UniqueNames_AndNetworkOnesAPeer()
    {
        Assert.Equal(MoveBenchmark.Suite.Count, MoveBenchmark.Suite.Select(b => b.Name).Distinct().Count());
        foreach (var benchmark in MoveBenchmark.Suite)
        {
            var app = benchmark.AppPlan(14, "10.0.0.1", "10.0.0.2");
            Assert.Null(app.Validate());
            var peer = benchmark.PeerPlan(14, "10.0.0.1", "10.0.0.2");
            Assert.Equal(benchmark.UdpRate > 0 || benchmark.TcpRate > 0, peer is not null);
            Assert.Null(peer?.Validate());
            if (benchmark.UdpReceive)
            {
                Assert.Equal(("10.0.0.1", (string?)null), (peer!.UdpSendTo, app.UdpSendTo));
                Assert.Equal("10.0.0.1", app.UdpSinkOn);
            }

            if (benchmark.TcpReceive)
            {
                Assert.Equal(("10.0.0.1", (string?)null, "10.0.0.1"), (peer!.TcpSendTo, app.TcpSendTo, app.TcpSinkOn));
            }
            else if (benchmark.TcpRate > 0)
            {
                Assert.Equal(("10.0.0.2", "10.0.0.2"), (app.TcpSendTo, peer!.TcpSinkOn));
            }
        }
    }

    [Fact]
    public void ParseStat_ReadsTimesAfterTheLastParenthesis_EvenWithParenthesesInTheName()
    {
        const string Stat = "4242 (CPU 0/TCG) S 1 2 3 0 -1 4194560 10 0 0 0 1234 56 7 8 20 0 1 0 100 0 0";
        const string Odd = "7 (a) b (c)) R 1 2 3 0 -1 0 0 0 0 0 11 22 33 44 20 0 1 0 100 0 0";

        Assert.Equal(("CPU 0/TCG", 1234L, 56L, 7L, 8L), CpuCounters.ParseStat(Stat));
        Assert.Equal(("a) b (c)", 11L, 22L, 33L, 44L), CpuCounters.ParseStat(Odd));
        Assert.Null(CpuCounters.ParseStat("12 (x) S 1 2"));
        Assert.True(CpuCounters.IsVcpuThread("CPU 1/KVM"));
        Assert.False(CpuCounters.IsVcpuThread("qemu-system-x86"));
        Assert.False(CpuCounters.IsVcpuThread("worker"));
    }

    [Fact]
    public void NativeCpu_Since_SplitsTheIntervalsExactTimeByItsTicks()
    {
        var before = new NativeCpu(1_000_000_000, 100, 50);

        Assert.Equal((30_000_000L, 10_000_000L), new NativeCpu(1_040_000_000, 103, 51).Since(before));
        Assert.Equal((7_000_000L, 0L), new NativeCpu(1_007_000_000, 100, 50).Since(before));
        Assert.Equal((0L, 0L), new NativeCpu(999_000_000, 100, 50).Since(before));
    }

    [Theory]
    [InlineData("web", 80, null)]
    [InlineData("db", 20, null)]
    [InlineData("web", 0, "web needs value")]
    [InlineData("db", 20000, "db needs value")]
    [InlineData("sh", 1, "name must be web or db")]
    public void AppRequest_Validate(string name, int value, string? expected)
    {
        var error = new AppRequest(name, value).Validate();

        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.StartsWith(expected, error, StringComparison.Ordinal);
        }
    }
}
