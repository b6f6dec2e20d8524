using Roost.Core.Network;

namespace Roost.Core.Tests.Network;

public sealed class SitePlannerTests
{
    private static readonly Vpc _a = new(new VpcId(1), "a", Ipv4Subnet.Parse("10.0.0.0/24"), ReservedMbps: 20, Enterprise: new EnterpriseAttachment(1, Address("10.0.0.10")));
    private static readonly Vpc _b = new(new VpcId(2), "b", Ipv4Subnet.Parse("10.0.0.0/24"));
    private static readonly Vpc _c = new(new VpcId(3), "c", Ipv4Subnet.Parse("10.3.0.0/24"));

    internal static SiteFabric Fabric(int site) => new(
        site,
        Address($"10.77.0.{site}"),
        [Address($"10.77.0.{3 - site}")],
        "wan0",
        100_000_000,
        ["br0", "wan0"],
        $"roost-lab-s{site}",
        new UplinkShaper(16_384, 262_144));

    [Fact]
    public void Plan_EveryVpcAtEverySite_EnterpriseOnlyAtItsSite_NamesFromIdsOnly()
    {
        var intent = new NetworkIntent([_b, _a], [], [new VpcRule(_a.Id, null)]);

        var site1 = SitePlanner.Plan(intent, Fabric(1));
        var site2 = SitePlanner.Plan(intent, Fabric(2));

        Assert.Equal(["vb1", "vb2"], site1.Bridges.Select(b => b.Name));
        Assert.Equal(["vx1", "vx2"], site2.Tunnels.Select(t => t.Name));
        Assert.Equal([1, 2], site2.Tunnels.Select(t => t.Vni));
        Assert.Equal([Address("10.77.0.1")], site2.Tunnels[0].FloodTo);
        Assert.Equal("10.0.0.1/24", site1.Bridges[0].GatewayCidr);
        Assert.Null(site1.Bridges[1].GatewayCidr);
        Assert.Equal("roost-lab-s1e1", Assert.Single(site1.Enterprises).Namespace);
        Assert.Empty(site2.Enterprises);
        Assert.NotEqual(site1.Bridges[0].Mac, site2.Bridges[0].Mac);
    }

    [Fact]
    public void Plan_IsDeterministic_WhateverTheInputOrder()
    {
        var one = SitePlanner.Plan(new NetworkIntent([_a, _b, _c], [], [new VpcRule(_a.Id, _c.Id), new VpcRule(_c.Id, null)]), Fabric(1));
        var two = SitePlanner.Plan(new NetworkIntent([_c, _b, _a], [], [new VpcRule(_c.Id, null), new VpcRule(_a.Id, _c.Id)]), Fabric(1));

        Assert.Equal(one.Filter?.Script, two.Filter?.Script);
        Assert.Equal(one.Filter?.Digest, two.Filter?.Digest);
        Assert.Equal(one.Bridges, two.Bridges);
    }

    [Fact]
    public void Filter_AllowsOnlyEachSegmentAndTheRuledPairs_ThenDropsEveryVpcBridge()
    {
        var plan = SitePlanner.Plan(new NetworkIntent([_a, _b, _c], [], [new VpcRule(_a.Id, _c.Id)]), Fabric(1));
        var script = string.Join('\n', plan.Filter?.Script ?? []);

        Assert.Contains("iifname \"vb1\" oifname \"vb3\" accept", script);
        Assert.Contains("iifname \"vb3\" oifname \"vb1\" accept", script);
        Assert.DoesNotContain("iifname \"vb2\" oifname \"vb1\"", script);
        Assert.DoesNotContain("\"br0\"", script);
        Assert.Contains("iifname \"vb*\" drop", script);
        Assert.Contains(SitePlanner.DigestComment + plan.Filter?.Digest, script);
    }

    [Fact]
    public void Shaping_OneClassPerReservation_DefaultGetsTheRest()
    {
        var plan = SitePlanner.Plan(new NetworkIntent([_a, _b with { ReservedMbps = 30 }], [], []), Fabric(2));

        var shaping = Assert.IsType<ShapingPlan>(plan.Shaping);
        Assert.Equal([(1, 20_000_000L), (2, 30_000_000L)], shaping.Classes.Select(c => (c.Vni, c.BitsPerSecond)));
        Assert.Equal(50_000_000, shaping.DefaultBitsPerSecond);
        Assert.Null(SitePlanner.Plan(new NetworkIntent([_b], [], []), Fabric(2)).Shaping);
    }

    [Fact]
    public void Validate_RefusesOverlappingRoutedVpcs_ReservationsFillingTheUplink_AndBadNames()
    {
        var overlapping = new NetworkIntent([_a, _b], [], [new VpcRule(_a.Id, _b.Id)]);
        var full = new NetworkIntent([_a with { ReservedMbps = 100 }], [], []);

        Assert.Contains("overlap", overlapping.Validate());
        Assert.Contains("leaves nothing", SitePlanner.ValidateFor(full, Fabric(1)));
        Assert.Contains("interface name", (Fabric(1) with { Uplink = "wan0;reboot" }).Validate());
        Assert.Throws<ArgumentException>(() => SitePlanner.Plan(overlapping, Fabric(1)));
    }

    [Fact]
    public void Validate_RefusesAMemberOutsideItsRange_OnTheGateway_OrTwiceInOneVpc_ButNotInTwoVpcs()
    {
        VpcMember Member(Vpc vpc, string vm, string address) => new(vpc.Id, vm, Address(address));

        Assert.Contains("not a member address", new NetworkIntent([_a], [Member(_a, "x", "10.9.0.2")], []).Validate());
        Assert.Contains("not a member address", new NetworkIntent([_a], [Member(_a, "x", "10.0.0.1")], []).Validate());
        Assert.Contains("already used", new NetworkIntent([_a], [Member(_a, "x", "10.0.0.10")], []).Validate());
        Assert.Null(new NetworkIntent([_a, _b], [Member(_a, "x", "10.0.0.2"), Member(_b, "y", "10.0.0.2")], []).Validate());
    }

    internal static uint Address(string text) => Ipv4Subnet.TryParseAddress(text, out var a) ? a : throw new FormatException(text);
}
