using Roost.Core.Network;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Tests.Lab;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// VPCs on the real kernel, in a two-site lab: the isolation matrix (two tenants on the same range, a routed pair, a
/// site rule, the enterprise's LAN), and reconciliation after a restart, a hand edit and a deletion.
/// </summary>
[Collection(LabTestGroup.Name)]
public sealed class VpcIsolationTests
{
    private static readonly WanLabOptions _link = new(2, BitRate.FromMegabits(100), TimeSpan.Zero);
    private static readonly TimeSpan _refusedAfter = TimeSpan.FromSeconds(1.5);

    // Tenants A and B use the same range; C is routed to A and may reach the sites. A's enterprise joins at site 1.
    private static readonly Vpc _a = new(new VpcId(1), "tenant-a", Ipv4Subnet.Parse("10.0.0.0/24"), Enterprise: new EnterpriseAttachment(1, Address("10.0.0.10")));
    private static readonly Vpc _b = new(new VpcId(2), "tenant-b", Ipv4Subnet.Parse("10.0.0.0/24"));
    private static readonly Vpc _c = new(new VpcId(3), "tenant-c", Ipv4Subnet.Parse("10.3.0.0/24"));
    private static readonly NetworkIntent _intent = new([_a, _b, _c], [], [new VpcRule(_a.Id, _c.Id), new VpcRule(_c.Id, null)]);

    private readonly WanLabFixture _fixture;

    public VpcIsolationTests(WanLabFixture fixture) => _fixture = fixture;

    [NetworkLabFact]
    public async Task Matrix_AllowedPairsConnect_ForbiddenPairsAreRefused_SameRangeTenantsStayApart()
    {
        await using var lab = await _fixture.UpAsync(_link);
        await using var kit = new VpcTestKit(lab);
        await kit.ReconcileAsync(_intent);
        await kit.AddMemberAsync("a1", _a, 1, Address("10.0.0.2"));
        await kit.AddMemberAsync("a2", _a, 2, Address("10.0.0.3"));
        await kit.AddMemberAsync("b1", _b, 1, Address("10.0.0.2"));
        await kit.AddMemberAsync("b2", _b, 2, Address("10.0.0.3"));
        await kit.AddMemberAsync("c2", _c, 2, Address("10.3.0.2"));
        kit.AddSiteServer(1);
        kit.AddSiteServer(2);
        var enterprise = VpcTestKit.Fabric(lab, 1).EnterpriseNamespace(_a.Id);
        (string From, string To, string? Expected)[] matrix =
        [
            ("a1", "10.0.0.3", "a2"), ("a2", "10.0.0.2", "a1"), // one segment over the WAN
            ("b1", "10.0.0.3", "b2"), ("b2", "10.0.0.2", "b1"), // the same addresses, the other tenant's members
            ("a1", "10.3.0.2", "c2"), ("c2", "10.0.0.2", "a1"), // the routed pair, both ways
            ("c2", "10.77.2.1", "site2"),                         // C's site rule
            ("b1", "10.3.0.2", null), ("c2", "10.0.0.3", "a2"),   // B has no rule: C reaches A's 10.0.0.3, never B's
            ("a1", "10.77.1.1", null), ("a2", "10.77.2.1", null), ("b1", "10.77.1.1", null), ("b2", "10.77.1.1", null),
            ("a1", "10.77.2.1", null), // routed by a gateway toward the other site: forwarded, refused
            ("enterprise", "10.0.0.3", "a2"), ("enterprise", "10.77.1.1", null),
            ("site1", "10.0.0.2", null), ("site2", "10.0.0.3", null),
        ];

        var answers = await Task.WhenAll(matrix.Select(pair => VpcTestKit.WhoAnswersAsync(
            pair.From switch
            {
                "enterprise" => enterprise,
                "site1" => lab.Layout.SiteNamespace(1),
                "site2" => lab.Layout.SiteNamespace(2),
                var member => kit.MemberNamespace(member),
            },
            Address(pair.To),
            pair.Expected is null ? _refusedAfter : TimeSpan.FromSeconds(10))));

        var wrong = matrix.Zip(answers).Where(x => x.First.Expected != x.Second)
            .Select(x => $"{x.First.From} -> {x.First.To}: expected {x.First.Expected ?? "refused"}, got {x.Second ?? "refused"}").ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    [NetworkLabFact]
    public async Task Reconcile_IsIdempotent_RepairsAHandEdit_AndADeletedVpcLeavesNothing()
    {
        await using var lab = await _fixture.UpAsync(_link);
        await using var kit = new VpcTestKit(lab);
        var site = lab.Layout.SiteNamespace(1);
        var qdiscBefore = await VpcTestKit.RunAsync("tc", "-n", site, "-j", "qdisc", "show", "dev", WanLabLayout.UplinkName);
        var reserving = _intent with { Vpcs = [_a with { ReservedMbps = 20 }, _b, _c] };
        var first = await kit.ReconcileAsync(reserving);
        var stateAfterFirst = await VpcTestKit.KernelStateAsync(lab);

        var again = await kit.ReconcileAsync(reserving);
        await VpcTestKit.RunAsync("ip", "-n", site, "link", "del", "vx2");
        await VpcTestKit.RunAsync("ip", "-n", site, "addr", "del", "10.0.0.1/24", "dev", "vb1");
        await VpcTestKit.RunAsync("ip", "netns", "exec", site, "nft", "delete", "table", "inet", SitePlanner.FilterTable);
        var repaired = await kit.ReconcileAsync(reserving);
        var stateAfterRepair = await VpcTestKit.KernelStateAsync(lab);
        var removed = await kit.ReconcileAsync(NetworkIntent.Empty);
        var stateAfterDelete = await VpcTestKit.KernelStateAsync(lab);

        Assert.NotEmpty(first);
        Assert.Empty(again);
        Assert.Equal(3, repaired.Count);
        Assert.Equal(stateAfterFirst, stateAfterRepair);
        Assert.Contains("vb1", stateAfterFirst);
        Assert.Contains("htb", stateAfterFirst);
        Assert.DoesNotMatch("v[bxe][0-9]|roost_vpc|htb", stateAfterDelete);
        Assert.DoesNotContain(VpcTestKit.Fabric(lab, 1).EnterpriseNamespace(_a.Id), await VpcTestKit.NamespacesAsync());
        Assert.Equal(qdiscBefore, await VpcTestKit.RunAsync("tc", "-n", site, "-j", "qdisc", "show", "dev", WanLabLayout.UplinkName));
    }

    private static uint Address(string text) => Ipv4Subnet.TryParseAddress(text, out var a) ? a : throw new FormatException(text);
}
