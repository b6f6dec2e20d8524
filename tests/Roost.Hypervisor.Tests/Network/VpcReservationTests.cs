using System.Diagnostics;
using System.Runtime.CompilerServices;
using Roost.Core.Network;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Tests.Lab;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// A VPC's bandwidth reservation on the WAN under competing traffic from another VPC (issue 18): tenant A reserves
/// 20 of the link's 50 Mbit/s and sends one TCP stream between the sites while tenant B sends four. The figures over
/// several runs, and without the reservation, are in docs/experiments/vpc.md.
/// </summary>
[Collection(LabTestGroup.Name)]
public sealed class VpcReservationTests(WanLabFixture fixture, ITestOutputHelper output)
{
    public const long ReservedMbps = 20;
    private static readonly WanLabOptions _link = new(2, BitRate.FromMegabits(50), TimeSpan.FromMilliseconds(10));

    [NetworkLabFact]
    public async Task Reservation_HoldsWithinTenPercent_UnderCompetingTrafficFromAnotherVpc()
    {
        var (reserved, _) = await MeasureAsync(fixture, ReservedMbps, TimeSpan.FromSeconds(3), output);

        Assert.InRange(reserved, ReservedMbps * 0.9, ReservedMbps * 1.1);
    }

    /// <summary>The table of docs/experiments/vpc.md: five runs with the reservation and five without, medians.</summary>
    [NetworkLabExperimentFact("vpc-reservation", "VpcReservationTests.Experiment")]
    public async Task Experiment_ReservationAgainstNone_FiveRunsEach()
    {
        var with = new List<(double A, double B)>();
        var without = new List<(double A, double B)>();
        for (var run = 0; run < 5; run++)
        {
            with.Add(await MeasureAsync(fixture, ReservedMbps, TimeSpan.FromSeconds(5), output));
            without.Add(await MeasureAsync(fixture, 0, TimeSpan.FromSeconds(5), output));
        }

        static double Median(IEnumerable<double> values) => values.Order().ElementAt(2);
        output.WriteLine($"median with {ReservedMbps} Mbit/s reserved: A {Median(with.Select(r => r.A)):0.0} Mbit/s (class), B {Median(with.Select(r => r.B)):0.0}; "
            + $"runs A {string.Join(", ", with.Select(r => r.A.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}");
        output.WriteLine($"median without: A {Median(without.Select(r => r.A)):0.0} Mbit/s (goodput), B {Median(without.Select(r => r.B)):0.0}; "
            + $"runs A {string.Join(", ", without.Select(r => r.A.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.All(with, r => Assert.InRange(r.A, ReservedMbps * 0.9, ReservedMbps * 1.1));
    }

    /// <summary>
    /// Runs A (one stream, reserving <paramref name="reservedMbps"/>, 0 for none) against B (four streams) from site 1
    /// to site 2 for one second of warm-up and then <paramref name="window"/>; returns what A's and B's traffic used of
    /// the uplink in Mbit/s: the bytes of A's htb class and of the default class B's traffic falls into (VXLAN frames,
    /// what the reservation meters), or, without a reservation, A's goodput and B's goodput.
    /// </summary>
    internal static async Task<(double A, double B)> MeasureAsync(WanLabFixture fixture, long reservedMbps, TimeSpan window, ITestOutputHelper output)
    {
        var a = new Vpc(new VpcId(1), "tenant-a", Ipv4Subnet.Parse("10.0.0.0/24"), ReservedMbps: reservedMbps);
        var b = new Vpc(new VpcId(2), "tenant-b", Ipv4Subnet.Parse("10.0.0.0/24"), ReservedMbps: 0);
        await using var lab = await fixture.UpAsync(_link);
        await using var kit = new VpcTestKit(lab);
        await kit.ReconcileAsync(new NetworkIntent([a, b], [], []));
        await kit.AddMemberAsync("a1", a, 1, Ipv4Address("10.0.0.2"));
        await kit.AddMemberAsync("a2", a, 2, Ipv4Address("10.0.0.3"));
        await kit.AddMemberAsync("b1", b, 1, Ipv4Address("10.0.0.2"));
        await kit.AddMemberAsync("b2", b, 2, Ipv4Address("10.0.0.3"));
        using var stop = new CancellationTokenSource();
        var receivedA = new StrongBox<long>();
        var receivedB = new StrongBox<long>();
        var sinks = new[] { kit.SinkAsync("a2", 7001, receivedA, stop.Token), kit.SinkAsync("b2", 7001, receivedB, stop.Token) };
        var sources = new[] { kit.SourceAsync("a1", Ipv4Address("10.0.0.3"), 7001, 1, stop.Token), kit.SourceAsync("b1", Ipv4Address("10.0.0.3"), 7001, 4, stop.Token) };

        await Task.Delay(TimeSpan.FromSeconds(1));
        var (classA, classB) = reservedMbps > 0 ? (await kit.ClassBytesAsync(1, 0x10), await kit.ClassBytesAsync(1, 2)) : (0, 0);
        var (goodA, goodB) = (Interlocked.Read(ref receivedA.Value), Interlocked.Read(ref receivedB.Value));
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var seconds = clock.Elapsed.TotalSeconds;
        var (classA2, classB2) = reservedMbps > 0 ? (await kit.ClassBytesAsync(1, 0x10), await kit.ClassBytesAsync(1, 2)) : (0, 0);
        var (goodA2, goodB2) = (Interlocked.Read(ref receivedA.Value), Interlocked.Read(ref receivedB.Value));
        await stop.CancelAsync();
        await Task.WhenAll(sources);
        await Task.WhenAll(sinks);

        double Mbps(long bytes) => bytes * 8 / seconds / 1e6;
        output.WriteLine($"reservation {reservedMbps} Mbit/s of {_link.Bandwidth.BitsPerSecond / 1_000_000}: A class {Mbps(classA2 - classA):0.0} Mbit/s, goodput {Mbps(goodA2 - goodA):0.0}; "
            + $"B class {Mbps(classB2 - classB):0.0} Mbit/s, goodput {Mbps(goodB2 - goodB):0.0} (over {seconds:0.00} s)");
        return reservedMbps > 0 ? (Mbps(classA2 - classA), Mbps(classB2 - classB)) : (Mbps(goodA2 - goodA), Mbps(goodB2 - goodB));
    }

    private static uint Ipv4Address(string text) => Ipv4Subnet.TryParseAddress(text, out var a) ? a : throw new FormatException(text);
}
