namespace Roost.Bft.Net;

/// <summary>
/// What <see cref="Cluster"/> runs: the measured window after a warm-up, the CPU cost of each request (SHA-256 rounds
/// of the hash-chain service), an optional executor told to lie from some time on, and whether to wait for a "go"
/// line on standard input before loading (so several clusters measure the same window).
/// </summary>
public sealed record ClusterOptions
{
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public int Work { get; init; } = 10_000;

    public int Seed { get; init; } = 1;

    /// <summary>An execution replica that returns wrong replies from <see cref="WrongAfter"/> on (after the warm-up starts).</summary>
    public int? WrongReplies { get; init; }

    public TimeSpan WrongAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>With a liar: most time past the window to wait for every request in flight at its first wrong reply to be answered.</summary>
    public TimeSpan RecoveryTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public bool WaitForGo { get; init; }

    /// <summary>Most time the replicas may take to start and listen.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
