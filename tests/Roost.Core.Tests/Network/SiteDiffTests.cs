using Roost.Core.Network;

namespace Roost.Core.Tests.Network;

public sealed class SiteDiffTests
{
    private static readonly Vpc _a = new(new VpcId(1), "a", Ipv4Subnet.Parse("10.0.0.0/24"), ReservedMbps: 20, Enterprise: new EnterpriseAttachment(1, SitePlannerTests.Address("10.0.0.10")));
    private static readonly NetworkIntent _intent = new([_a], [], [new VpcRule(_a.Id, null)]);
    private static readonly ObservedSite _nothing = new([], [], null, null);

    [Fact]
    public void Changes_FromNothing_CreateEveryObject()
    {
        var plan = SitePlanner.Plan(_intent, SitePlannerTests.Fabric(1));

        var changes = SiteDiff.Changes(plan, _nothing);

        Assert.Equal(
            ["EnsureBridge", "AddAddress", "CreateTunnel", "CreateEnterprise", "ApplyFilter", "ApplyShaping"],
            changes.Select(c => c.GetType().Name));
    }

    [Fact]
    public void Changes_WhenTheKernelMatches_AreNone_AndAnEmptyIntentRemovesEverything()
    {
        var plan = SitePlanner.Plan(_intent, SitePlannerTests.Fabric(1));
        var matching = Matching(plan);

        var none = SiteDiff.Changes(plan, matching);
        var removal = SiteDiff.Changes(SitePlanner.Plan(NetworkIntent.Empty, SitePlannerTests.Fabric(1)), matching);

        Assert.Empty(none);
        Assert.Equal(
            ["delete link vx1", "delete link ve1", "delete link vb1", "delete namespace roost-lab-s1e1", "remove nftables table roost_vpc", "remove htb from wan0, restore its shaper"],
            removal.Select(c => c.ToString()));
    }

    [Fact]
    public void Changes_AWrongVniOrAMissingFlood_RecreateOrRepairOnlyThat()
    {
        var plan = SitePlanner.Plan(_intent, SitePlannerTests.Fabric(1));
        var matching = Matching(plan);
        var tunnel = matching.Links.Single(l => l.Name == "vx1");
        var wrongVni = matching with { Links = [.. matching.Links.Where(l => l != tunnel), tunnel with { Tunnel = tunnel.Tunnel! with { Vni = 7 } }] };
        var noFlood = matching with { Links = [.. matching.Links.Where(l => l != tunnel), tunnel with { Tunnel = tunnel.Tunnel! with { FloodTo = [] } }] };

        Assert.Equal(["DeleteLink", "CreateTunnel"], SiteDiff.Changes(plan, wrongVni).Select(c => c.GetType().Name));
        Assert.Equal(["AddFlood"], SiteDiff.Changes(plan, noFlood).Select(c => c.GetType().Name));
    }

    /// <summary>What the kernel reports once <paramref name="plan"/> is applied.</summary>
    private static ObservedSite Matching(SiteNetworkPlan plan)
    {
        var links = new List<ObservedLink>();
        links.AddRange(plan.Bridges.Select(b => new ObservedLink(b.Name, "bridge", null, 1500, true, b.Mac, b.GatewayCidr is { } g ? [g] : [], null)));
        links.AddRange(plan.Tunnels.Select(t => new ObservedLink(t.Name, "vxlan", t.Bridge, 1500, true, t.Mac, [], new ObservedTunnel(t.Vni, t.Local, 4789, t.Underlay, true, t.FloodTo))));
        links.AddRange(plan.Enterprises.Select(e => new ObservedLink(e.SiteLink, "veth", e.Bridge, 1500, true, e.SiteMac, [], null)));
        var shaping = plan.Shaping is { } s
            ? new ObservedShaping(
                "8001:1",
                new Dictionary<int, (long, long)>
                {
                    [1] = (s.LinkBitsPerSecond, s.LinkBitsPerSecond),
                    [2] = (s.DefaultBitsPerSecond, s.LinkBitsPerSecond),
                }.Concat(s.Classes.Select(c => KeyValuePair.Create(c.Minor, (c.BitsPerSecond, s.LinkBitsPerSecond)))).ToDictionary(),
                s.Classes.ToDictionary(c => c.Vni, c => c.Minor),
                2)
            : null;
        return new ObservedSite(links, [.. plan.Enterprises.Select(e => new ObservedEnterprise(e.Namespace, [e.Cidr]))], plan.Filter?.Digest, shaping);
    }
}
