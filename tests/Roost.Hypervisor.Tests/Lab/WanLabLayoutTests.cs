using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

public sealed class WanLabLayoutTests
{
    private static WanLabLayout Layout(int sites = 2, long bits = 100_000_000, int rttMs = 40) =>
        new(LabName.Parse("abcdefghij"), new WanLabOptions(sites, new BitRate(bits), TimeSpan.FromMilliseconds(rttMs)));

    [Fact]
    public void Namespaces_CarryTheLabName_WanFirst()
    {
        Assert.Equal(["roost-abcdefghij-wan", "roost-abcdefghij-s1", "roost-abcdefghij-s2", "roost-abcdefghij-s3"], Layout(sites: 3).Namespaces);
    }

    [Fact]
    public void InterfaceNames_FitLinuxsFifteenCharacters()
    {
        var layout = Layout(sites: WanLabOptions.MaxSites);
        var names = layout.RelayPorts.Concat([WanLabLayout.BridgeName, WanLabLayout.UplinkName]);

        Assert.All(names, name => Assert.InRange(name.Length, 1, 15));
        Assert.InRange(LabName.MaxLength + 5, 1, 15);
    }

    [Fact]
    public void Sizes_FollowTheBandwidthDelayProduct_WithFloors()
    {
        var fast = Layout(bits: 1_000_000_000, rttMs: 40);
        var local = Layout(bits: 100_000_000, rttMs: 0);

        Assert.Equal((5_000_000L, 125_000L, 10_000_000L), (fast.ShaperLimitBytes, fast.ShaperBurstBytes, fast.RelayQueueBytes));
        Assert.Equal((WanLabLayout.MinShaperLimitBytes, WanLabLayout.MinShaperBurstBytes, WanLabLayout.MinRelayQueueBytes),
            (local.ShaperLimitBytes, local.ShaperBurstBytes, local.RelayQueueBytes));
        Assert.Equal(TimeSpan.FromMilliseconds(20), fast.OneWayDelay);
    }

    [Fact]
    public void UpCommands_ShapeBothEndsOfEveryAccessLink_AndRouteEverySitePair()
    {
        var layout = Layout(sites: 3);

        var lines = layout.UpCommands().Select(c => c.ToString()).ToList();

        var shaper = "tbf rate 100000000bit burst 16384 limit 500000";
        Assert.Contains(lines, l => l.StartsWith("tc -n roost-abcdefghij-wan -batch -", StringComparison.Ordinal)
            && l.Contains($"dev s1 root {shaper}", StringComparison.Ordinal) && l.Contains($"dev s3 root {shaper}", StringComparison.Ordinal));
        foreach (var site in layout.SiteNumbers)
        {
            Assert.Contains($"tc -n roost-abcdefghij-s{site} -batch - <<< 'qdisc replace dev wan0 root {shaper}'", lines);
            var batch = Assert.Single(layout.UpCommands(), c => c.Arguments.SequenceEqual(["-n", layout.SiteNamespace(site), "-batch", "-"]) && c.File == "ip");
            Assert.Contains($"addr add 10.77.{site}.1/24 dev br0", batch.Batch!);
            var routes = batch.Batch!.Where(l => l.StartsWith("route add", StringComparison.Ordinal)).ToList();
            Assert.Equal(layout.SiteNumbers.Where(o => o != site).Select(o => $"route add 10.77.{o}.0/24 via 10.77.0.{o} dev wan0"), routes);
        }

        Assert.Equal(6, lines.Count(l => l.Contains("ethtool -K", StringComparison.Ordinal) && l.Contains("tx off tso off gso off gro off", StringComparison.Ordinal)));
    }

    [Fact]
    public void UpCommands_CreateNamespacesFirst_ThenTurnIpv6OffBeforeAnyInterfaceExists()
    {
        var commands = Layout().UpCommands();

        Assert.Equal(["netns add roost-abcdefghij-wan", "netns add roost-abcdefghij-s1", "netns add roost-abcdefghij-s2"], commands[0].Batch);
        Assert.All(commands.Skip(1).Take(3), c => Assert.Contains("net.ipv6.conf.default.disable_ipv6=1", c.Arguments));
    }
}
