namespace Roost.Core.Tests.Migration;

/// <summary>
/// How often each fault happens in one simulated migration. Drawn per seed, each fault either absent or up to its
/// ceiling, so some seeds hammer one fault and others mix several.
/// </summary>
internal sealed record FaultProfile(
    double PeerDrop,
    double PeerLoseReply,
    double PeerMalformed,
    double PeerHang,
    double PeerDuplicate,
    double PeerLate,
    double PeerRefuse,
    double Cancel,
    double SourceCrash,
    double DestinationQemuCrash,
    double DestinationAgentCrash,
    double LaunchFailure,
    double StreamStall,
    double SlowQemu)
{
    public static FaultProfile Draw(Random random) => new(
        Maybe(random, 0.3),
        Maybe(random, 0.3),
        Maybe(random, 0.2),
        Maybe(random, 0.2),
        Maybe(random, 0.3),
        Maybe(random, 0.3),
        Maybe(random, 0.2),
        Maybe(random, 0.6),
        Maybe(random, 0.5),
        Maybe(random, 0.5),
        Maybe(random, 0.5),
        Maybe(random, 0.2),
        Maybe(random, 0.2),
        Maybe(random, 0.3));

    private static double Maybe(Random random, double ceiling) => random.NextDouble() < 0.5 ? 0 : random.NextDouble() * ceiling;
}
