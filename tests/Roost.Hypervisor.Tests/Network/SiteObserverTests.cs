using System.Text.Json;
using Roost.Core.Network;
using Roost.Hypervisor.Network;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// What the observer makes of the tools' output: the shapes iproute2 and nft print are read as before, and output of
/// any other shape (not JSON, a string where a number belongs, an object where a list belongs, a number beyond its
/// type) is one <see cref="IOException"/> naming the tool, which the reconciler reports as a failed reconciliation,
/// never another exception that would end the agent's loop.
/// </summary>
public sealed class SiteObserverTests
{
    private const string Vxlan = """
        [{"ifname":"vx1","mtu":1500,"flags":["BROADCAST","UP"],"master":"vb1","address":"02:53:01:00:00:01",
          "linkinfo":{"info_kind":"vxlan","info_data":{"id":1,"local":"10.77.0.1","link":"wan0","port":4789,"learning":true}},"addr_info":[]},
         {"ifname":"vb1","mtu":1500,"flags":["UP"],"address":"02:52:01:00:00:01","linkinfo":{"info_kind":"bridge"},
          "addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24},{"family":"inet6","local":"fe80::1","prefixlen":64}]},
         {"ifname":"br0","mtu":1500,"flags":["UP"],"address":"aa:bb:cc:dd:ee:ff","addr_info":[]}]
        """;

    private const string Fdb = """[{"mac":"00:00:00:00:00:00","ifname":"vx1","dst":"10.77.0.2","flags":["self"],"state":"permanent"}]""";

    [Fact]
    public void ParseLinks_ReadsRoostsLinksOnly_WithTheirFloodsAndAddresses()
    {
        var links = SiteObserver.ParseLinks(Vxlan, Fdb);

        Assert.Equal(["vb1", "vx1"], links.Select(l => l.Name));
        Assert.Equal(["10.0.0.1/24"], links[0].Addresses);
        var tunnel = links[1].Tunnel ?? throw new InvalidOperationException("no tunnel");
        Assert.Equal((1, 4789, "wan0", true), (tunnel.Vni, tunnel.Port, tunnel.Underlay, tunnel.Learning));
        Assert.Equal([Ipv4Subnet.TryParseAddress("10.77.0.2", out var peer) ? peer : 0], tunnel.FloodTo);
    }

    [Theory]
    [InlineData("not json", Fdb)]
    [InlineData("""{"ifname":"vb1"}""", Fdb)]
    [InlineData("""[{"ifname":"vb1","mtu":"1500"}]""", Fdb)]
    [InlineData("""[{"ifname":"vb1","mtu":99999999999}]""", Fdb)]
    [InlineData("""[{"ifname":"vb1","flags":"UP"}]""", Fdb)]
    [InlineData("""[{"ifname":"vb1","addr_info":[{"family":"inet","local":"10.0.0.1"}]}]""", Fdb)]
    [InlineData("""[{"ifname":"vx1","linkinfo":{"info_kind":"vxlan","info_data":{"id":"one"}}}]""", Fdb)]
    [InlineData("[]", """{"mac":"00:00:00:00:00:00"}""")]
    [InlineData("[]", "[1, 2")]
    public void ParseLinks_OutputOfAnotherShape_IsOneIOExceptionNamingTheTool(string addresses, string fdb)
    {
        var e = Assert.Throws<IOException>(() => SiteObserver.ParseLinks(addresses, fdb));

        Assert.StartsWith("ip -j -d addr show / bridge -j fdb show: unexpected output (", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"nftables":{}}""")]
    [InlineData("""{"nftables":[{"rule":{"comment":7}}]""")]
    [InlineData("""[{"addr_info":{}}]""")]
    public void ParseFilterDigestAndInnerAddresses_OutputOfAnotherShape_IsAnIOException(string json)
    {
        Assert.Throws<IOException>(() =>
        {
            _ = SiteObserver.ParseFilterDigest(json);
            _ = SiteObserver.ParseInnerAddresses(json);
        });
    }

    [Fact]
    public void ParseFilterDigest_ReadsTheDigestComment_OrSaysUnknown()
    {
        var withDigest = """{"nftables":[{"metainfo":{}},{"rule":{"comment":"DIGEST"}}]}""".Replace("DIGEST", SitePlanner.DigestComment + "0123456789abcdef", StringComparison.Ordinal);

        Assert.Equal("0123456789abcdef", SiteObserver.ParseFilterDigest(withDigest));
        Assert.Equal(ObservedSite.UnknownDigest, SiteObserver.ParseFilterDigest("""{"nftables":[{"rule":{}}]}"""));
    }

    [Theory]
    [InlineData("""[{"options":{"flowid":"10:10","match":{"off":"32","value":"00000100"}}}]""")]
    [InlineData("""[{"options":{"flowid":"10:10","match":[1]}}]""")]
    [InlineData("""{"options":{}}""")]
    public void ParseShaping_FiltersOfAnotherShape_AreAnIOException(string filters)
    {
        using var htb = JsonDocument.Parse("""{"kind":"htb","handle":"10:","parent":"8001:1","options":{"default":"0x2"}}""");

        var e = Assert.Throws<IOException>(() => SiteObserver.ParseShaping(htb.RootElement, "", filters));

        Assert.StartsWith("tc -j filter show: unexpected output", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseShaping_AnHtbClassRateBeyondLong_IsAnIOException()
    {
        using var htb = JsonDocument.Parse("""{"kind":"htb","handle":"10:","root":true,"options":{"default":"0x2"}}""");

        Assert.Throws<IOException>(() => SiteObserver.ParseShaping(htb.RootElement, "class htb 10:1 root rate 99999999999999999Tbit ceil 1Mbit", "[]"));
    }

    [Theory]
    [InlineData("""{"vpcs":[null],"members":[],"rules":[]}""")]
    [InlineData("""{"vpcs":[],"members":[{"vpc":1,"vm":null,"address":"10.0.0.2"}],"rules":[]}""")]
    [InlineData("""{"vpcs":[{"id":0,"subnet":"10.0.0.0/24","reservedMbps":0}],"members":[],"rules":[]}""")]
    public void NetworkResponse_NullEntriesAndBadIds_AreRefusedWithOneLine(string json)
    {
        var response = JsonSerializer.Deserialize<NetworkResponse>(json, JsonSerializerOptions.Web) ?? throw new InvalidOperationException("null");

        Assert.Null(response.ToIntent(out var error));
        Assert.StartsWith("malformed network intent: ", error, StringComparison.Ordinal);
    }
}
