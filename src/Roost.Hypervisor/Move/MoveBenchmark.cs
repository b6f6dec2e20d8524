using System.Globalization;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Move;

/// <summary>
/// One of MOVE's microbenchmarks: a fixed mix of CPU, UDP traffic (sent by the application, or received from a peer)
/// and direct disk I/O, run identically natively and in a guest. The peer of network benchmarks is the other end of
/// the link: a process in a network namespace for the native run, a process on the host for the virtual run.
/// </summary>
public sealed record MoveBenchmark(
    string Name,
    int CpuPercent = 0,
    int UdpSize = 0,
    int UdpRate = 0,
    bool UdpReceive = false,
    int ReadBlock = 0,
    int ReadRate = 0,
    int WriteBlock = 0,
    int WriteRate = 0)
{
    /// <summary>The UDP port of every network benchmark.</summary>
    public const int UdpPort = 9555;

    /// <summary>
    /// The training suite: CPU at five levels; UDP sent and received at three sizes and two rates; direct reads and
    /// writes at two block sizes and two rates; three mixes. About 28 runs of each kind.
    /// </summary>
    public static IReadOnlyList<MoveBenchmark> Suite { get; } = BuildSuite();

    /// <summary>What the application side runs: the loads, UDP to or from <paramref name="peerAddress"/>.</summary>
    public LoadgenPlan AppPlan(int seconds, string appAddress, string peerAddress) => new(
        seconds,
        CpuPercent: CpuPercent > 0 ? CpuPercent : null,
        UdpSendTo: UdpRate > 0 && !UdpReceive ? peerAddress : null,
        UdpSinkOn: UdpRate > 0 && UdpReceive ? appAddress : null,
        UdpPort: UdpRate > 0 ? UdpPort : null,
        UdpSize: UdpRate > 0 && !UdpReceive ? UdpSize : null,
        UdpRate: UdpRate > 0 && !UdpReceive ? UdpRate : null,
        ReadBlock: ReadRate > 0 ? ReadBlock : null,
        ReadRate: ReadRate > 0 ? ReadRate : null,
        WriteBlock: WriteRate > 0 ? WriteBlock : null,
        WriteRate: WriteRate > 0 ? WriteRate : null);

    /// <summary>What the peer runs (the other end of the UDP traffic), or null when the benchmark has none.</summary>
    public LoadgenPlan? PeerPlan(int seconds, string appAddress, string peerAddress) => UdpRate <= 0
        ? null
        : UdpReceive
            ? new LoadgenPlan(seconds, UdpSendTo: appAddress, UdpPort: UdpPort, UdpSize: UdpSize, UdpRate: UdpRate)
            : new LoadgenPlan(seconds, UdpSinkOn: peerAddress, UdpPort: UdpPort);

    private static List<MoveBenchmark> BuildSuite()
    {
        var suite = new List<MoveBenchmark>();
        foreach (var cpu in new[] { 10, 25, 50, 75, 100 })
        {
            suite.Add(new($"cpu-{cpu}", CpuPercent: cpu));
        }

        foreach (var receive in new[] { false, true })
        {
            foreach (var size in new[] { 64, 512, 1400 })
            {
                foreach (var rate in new[] { 1000, 4000 })
                {
                    suite.Add(new(Invariant($"udp-{(receive ? "rx" : "tx")}-{size}-{rate}"), UdpSize: size, UdpRate: rate, UdpReceive: receive));
                }
            }
        }

        foreach (var write in new[] { false, true })
        {
            foreach (var block in new[] { 4096, 65536 })
            {
                foreach (var rate in new[] { 100, 400 })
                {
                    var name = Invariant($"disk-{(write ? "write" : "read")}-{block / 1024}k-{rate}");
                    suite.Add(write ? new(name, WriteBlock: block, WriteRate: rate) : new(name, ReadBlock: block, ReadRate: rate));
                }
            }
        }

        suite.Add(new("mix-cpu30-udp-tx-512-2000", CpuPercent: 30, UdpSize: 512, UdpRate: 2000));
        suite.Add(new("mix-cpu30-write-64k-200", CpuPercent: 30, WriteBlock: 65536, WriteRate: 200));
        suite.Add(new("mix-udp-rx-1400-2000-write-4k-200", UdpSize: 1400, UdpRate: 2000, UdpReceive: true, WriteBlock: 4096, WriteRate: 200));
        return suite;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
