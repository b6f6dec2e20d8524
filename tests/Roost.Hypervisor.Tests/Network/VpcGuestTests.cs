using Roost.Core.Network;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Tests.Lab;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// Real QEMU guests on VPC segments stretched over two lab sites (issue 18): tenants A and B both use 10.0.0.0/24, with
/// a guest of each at each site (the same four addresses twice). Probes on each segment (namespaces with a veth into
/// the VPC's bridge, as the enterprise's hosts) must reach exactly their own tenant's guests, across the WAN, which is
/// checked by the MAC that answered (each guest's MAC is derived from its id); a third VPC reaches neither.
/// </summary>
/// <remarks>
/// The fixture's agents run in this process's (root) network namespace, so QEMU creates each guest's tap there on a
/// parking bridge; the test then moves the tap into its site's namespace and onto its VPC's bridge. An agent started
/// inside the site's namespace (<c>ip netns exec roost-LAB-sS roost agent --network vpc-N=vbN</c>) creates it there.
/// </remarks>
[Collection(QemuNetworkTests.Name)]
public sealed class VpcGuestTests(QemuFixture fixture, ITestOutputHelper output)
{
    private static readonly Vpc _a = new(new VpcId(1), "tenant-a", Ipv4Subnet.Parse("10.0.0.0/24"));
    private static readonly Vpc _b = new(new VpcId(2), "tenant-b", Ipv4Subnet.Parse("10.0.0.0/24"));
    private static readonly Vpc _c = new(new VpcId(3), "tenant-c", Ipv4Subnet.Parse("10.0.0.0/24"));

    [NetworkLabFact(needsQemu: true)]
    public async Task GuestsOfTwoTenantsOnOneRange_OverTwoSites_AreReachedOnlyFromTheirOwnSegment()
    {
        var labs = new WanLabFixture();
        await labs.InitializeAsync();
        var parking = new[] { $"rvp{Environment.ProcessId:x}a", $"rvp{Environment.ProcessId:x}b" };
        try
        {
            await using var lab = await labs.UpAsync(new WanLabOptions(2, BitRate.FromMegabits(100), TimeSpan.Zero));
            await using var kit = new VpcTestKit(lab);
            await kit.ReconcileAsync(new NetworkIntent([_a, _b, _c], [], []));
            foreach (var bridge in parking)
            {
                await VpcTestKit.RunAsync("ip", "link", "add", bridge, "type", "bridge");
                await VpcTestKit.RunAsync("ip", "link", "set", bridge, "up");
            }

            await using var agent = await fixture.StartAgentAsync(
                "vpc",
                new AgentCapacity(4, 1024),
                configure: o => o with { Networks = new Dictionary<string, string> { [_a.Id.NetworkName] = parking[0], [_b.Id.NetworkName] = parking[1] } });
            using var client = new AgentClient(agent.BaseAddress);
            (string Id, Vpc Vpc, int Site, string Address)[] guests =
            [
                ("vpc-a1", _a, 1, "10.0.0.2"), ("vpc-a2", _a, 2, "10.0.0.3"),
                ("vpc-b1", _b, 1, "10.0.0.2"), ("vpc-b2", _b, 2, "10.0.0.3"),
            ];
            await Task.WhenAll(guests.Select(async g =>
            {
                using var created = await client.PostAsync("api/vms", new CreateVmRequest(g.Id, 1, 128, new NicRequest(g.Vpc.Id.NetworkName, $"{g.Address}/24", null)));
                Assert.True(created.IsSuccessStatusCode, $"{g.Id}: {await created.Content.ReadAsStringAsync()}");
            }));
            foreach (var g in guests)
            {
                var tap = GuestNic.TapNameFor(agent.Agent.Name, g.Id);
                var site = lab.Layout.SiteNamespace(g.Site);
                await VpcTestKit.RunAsync("ip", "link", "set", tap, "netns", site);
                await VpcTestKit.RunAsync("ip", "-n", site, "link", "set", tap, "master", g.Vpc.Id.BridgeName, "up");
            }

            // Probes: one per VPC and site, at addresses no guest has.
            await kit.AddMemberAsync("pa1", _a, 1, Address("10.0.0.10"));
            await kit.AddMemberAsync("pa2", _a, 2, Address("10.0.0.11"));
            await kit.AddMemberAsync("pb1", _b, 1, Address("10.0.0.10"));
            await kit.AddMemberAsync("pb2", _b, 2, Address("10.0.0.11"));
            await kit.AddMemberAsync("pc1", _c, 1, Address("10.0.0.10"));
            (string Probe, string Target, string? Guest)[] matrix =
            [
                ("pa1", "10.0.0.2", "vpc-a1"), ("pa1", "10.0.0.3", "vpc-a2"), ("pa2", "10.0.0.2", "vpc-a1"), ("pa2", "10.0.0.3", "vpc-a2"),
                ("pb1", "10.0.0.2", "vpc-b1"), ("pb1", "10.0.0.3", "vpc-b2"), ("pb2", "10.0.0.2", "vpc-b1"), ("pb2", "10.0.0.3", "vpc-b2"),
                ("pc1", "10.0.0.2", null), ("pc1", "10.0.0.3", null),
            ];

            var answers = await Task.WhenAll(matrix.Select(m => WhoAnswersPingAsync(kit.MemberNamespace(m.Probe), m.Target, m.Guest is null ? 3 : 30)));

            var wrong = matrix.Zip(answers)
                .Where(x => (x.First.Guest is { } guest ? GuestNic.MacFor(guest) : null) != x.Second)
                .Select(x => $"{x.First.Probe} -> {x.First.Target}: expected {x.First.Guest ?? "no answer"}, got MAC {x.Second ?? "none"}")
                .ToList();
            output.WriteLine($"{matrix.Length - wrong.Count} of {matrix.Length} pairs as expected");
            Assert.True(wrong.Count == 0, string.Join("; ", wrong));
            foreach (var g in guests)
            {
                using var deleted = await client.DeleteAsync($"api/vms/{g.Id}");
            }
        }
        finally
        {
            foreach (var bridge in parking.Where(b => Directory.Exists($"/sys/class/net/{b}")))
            {
                await VpcTestKit.RunAsync("ip", "link", "del", bridge);
            }

            await labs.DisposeAsync();
        }
    }

    /// <summary>Pings <paramref name="address"/> from <paramref name="ns"/> (up to <paramref name="attempts"/> one-second tries) and returns the MAC that answered, or null.</summary>
    private static async Task<string?> WhoAnswersPingAsync(string ns, string address, int attempts)
    {
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            var ping = await ExternalCommand.RunAsync("ip", ["netns", "exec", ns, "ping", "-c", "1", "-W", "1", address], "/", CancellationToken.None);
            if (ping.ExitCode == 0)
            {
                var neighbour = await VpcTestKit.RunAsync("ip", "-n", ns, "neigh", "show", address);
                return neighbour.Split(' ', StringSplitOptions.RemoveEmptyEntries).SkipWhile(w => w != "lladdr").Skip(1).FirstOrDefault();
            }
        }

        return null;
    }

    private static uint Address(string text) => Ipv4Subnet.TryParseAddress(text, out var a) ? a : throw new FormatException(text);
}
