using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Move;

/// <summary>
/// One of MOVE's microbenchmarks: a fixed mix of CPU, UDP traffic (sent by the application, or received from a peer)
/// and direct disk I/O, run identically natively and in a guest. The peer of network benchmarks is the other end of
/// the link: a process in a network namespace for the native run, a process on the host for the virtual run.
/// </summary>
public sealed record MoveBenchmark(
    string Name,
    int WorkRate = 0,
    int SpawnRate = 0,
    int UdpSize = 0,
    int UdpRate = 0,
    bool UdpReceive = false,
    int TcpSize = 0,
    int TcpRate = 0,
    bool TcpReceive = false,
    int ReadBlock = 0,
    int ReadRate = 0,
    int WriteBlock = 0,
    int WriteRate = 0)
{
    /// <summary>The UDP port of every network benchmark.</summary>
    public const int UdpPort = 9555;

    /// <summary>The TCP port of every network benchmark.</summary>
    public const int TcpPort = 9556;

    /// <summary>
    /// The training suite (25 benchmarks): fixed CPU work at five rates (the same work on both sides, so the guest's
    /// cost of executing it shows), process creation at three rates, UDP sent and received at three size/rate points
    /// each, short TCP connections (16 KiB each) sent and received at two rates each, direct reads and writes at two
    /// block/rate points each, and three mixes.
    /// </summary>
    public static IReadOnlyList<MoveBenchmark> Suite { get; } =
    [
        new("work-10", WorkRate: 10), new("work-25", WorkRate: 25), new("work-50", WorkRate: 50),
        new("work-100", WorkRate: 100), new("work-200", WorkRate: 200),
        new("spawn-20", SpawnRate: 20), new("spawn-50", SpawnRate: 50), new("spawn-100", SpawnRate: 100),
        new("udp-tx-64-4000", UdpSize: 64, UdpRate: 4000), new("udp-tx-512-1000", UdpSize: 512, UdpRate: 1000),
        new("udp-tx-1400-4000", UdpSize: 1400, UdpRate: 4000),
        new("udp-rx-64-4000", UdpSize: 64, UdpRate: 4000, UdpReceive: true), new("udp-rx-512-1000", UdpSize: 512, UdpRate: 1000, UdpReceive: true),
        new("udp-rx-1400-4000", UdpSize: 1400, UdpRate: 4000, UdpReceive: true),
        new("tcp-tx-16k-50", TcpSize: 16384, TcpRate: 50), new("tcp-tx-16k-150", TcpSize: 16384, TcpRate: 150),
        new("tcp-rx-16k-50", TcpSize: 16384, TcpRate: 50, TcpReceive: true), new("tcp-rx-16k-150", TcpSize: 16384, TcpRate: 150, TcpReceive: true),
        new("disk-read-4k-100", ReadBlock: 4096, ReadRate: 100), new("disk-read-64k-400", ReadBlock: 65536, ReadRate: 400),
        new("disk-write-4k-100", WriteBlock: 4096, WriteRate: 100), new("disk-write-64k-400", WriteBlock: 65536, WriteRate: 400),
        new("mix-work-50-udp-tx-512-2000", WorkRate: 50, UdpSize: 512, UdpRate: 2000),
        new("mix-work-50-write-64k-200", WorkRate: 50, WriteBlock: 65536, WriteRate: 200),
        new("mix-spawn-50-tcp-rx-16k-100", SpawnRate: 50, TcpSize: 16384, TcpRate: 100, TcpReceive: true),
    ];

    /// <summary>What the application side runs: its loads, its traffic to or from <paramref name="peerAddress"/>.</summary>
    public LoadgenPlan AppPlan(int seconds, string appAddress, string peerAddress) => new(
        seconds,
        WorkRate: Positive(WorkRate),
        SpawnRate: Positive(SpawnRate),
        UdpSendTo: UdpRate > 0 && !UdpReceive ? peerAddress : null,
        UdpSinkOn: UdpRate > 0 && UdpReceive ? appAddress : null,
        UdpPort: UdpRate > 0 ? UdpPort : null,
        UdpSize: UdpRate > 0 && !UdpReceive ? UdpSize : null,
        UdpRate: UdpRate > 0 && !UdpReceive ? UdpRate : null,
        TcpSendTo: TcpRate > 0 && !TcpReceive ? peerAddress : null,
        TcpSinkOn: TcpRate > 0 && TcpReceive ? appAddress : null,
        TcpPort: TcpRate > 0 ? TcpPort : null,
        TcpSize: TcpRate > 0 && !TcpReceive ? TcpSize : null,
        TcpRate: TcpRate > 0 && !TcpReceive ? TcpRate : null,
        ReadBlock: ReadRate > 0 ? ReadBlock : null,
        ReadRate: Positive(ReadRate),
        WriteBlock: WriteRate > 0 ? WriteBlock : null,
        WriteRate: Positive(WriteRate));

    /// <summary>What the peer runs (the other end of the network traffic), or null when the benchmark has none.</summary>
    public LoadgenPlan? PeerPlan(int seconds, string appAddress, string peerAddress) => UdpRate <= 0 && TcpRate <= 0
        ? null
        : new LoadgenPlan(
            seconds,
            UdpSendTo: UdpRate > 0 && UdpReceive ? appAddress : null,
            UdpSinkOn: UdpRate > 0 && !UdpReceive ? peerAddress : null,
            UdpPort: UdpRate > 0 ? UdpPort : null,
            UdpSize: UdpRate > 0 && UdpReceive ? UdpSize : null,
            UdpRate: UdpRate > 0 && UdpReceive ? UdpRate : null,
            TcpSendTo: TcpRate > 0 && TcpReceive ? appAddress : null,
            TcpSinkOn: TcpRate > 0 && !TcpReceive ? peerAddress : null,
            TcpPort: TcpRate > 0 ? TcpPort : null,
            TcpSize: TcpRate > 0 && TcpReceive ? TcpSize : null,
            TcpRate: TcpRate > 0 && TcpReceive ? TcpRate : null);

    private static int? Positive(int value) => value > 0 ? value : null;
}
