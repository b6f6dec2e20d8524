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
    public void UpSteps_ShapeBothEndsOfEveryAccessLink_AndRouteEverySitePair()
    {
        var layout = Layout(sites: 3);

        var steps = layout.UpSteps();

        var lines = steps.Select(c => c.ToString()).ToList();
        var shaper = "tbf rate 100000000bit burst 16384 limit 500000";
        Assert.Contains($"tc -n roost-abcdefghij-wan -batch - <<< 'qdisc replace dev s1 root {shaper}; qdisc replace dev s2 root {shaper}; qdisc replace dev s3 root {shaper}'", lines);
        foreach (var site in layout.SiteNumbers)
        {
            Assert.Contains($"tc -n roost-abcdefghij-s{site} -batch - <<< 'qdisc replace dev wan0 root {shaper}'", lines);
            var batch = Assert.Single(steps.OfType<LabStep.Command>(), c => c.Run.File == "ip" && c.Run.Arguments.SequenceEqual(["-n", layout.SiteNamespace(site), "-batch", "-"])).Run.Batch!;
            Assert.Contains($"addr add 10.77.{site}.1/24 dev br0", batch);
            Assert.Equal(
                layout.SiteNumbers.Where(o => o != site).Select(o => $"route add 10.77.{o}.0/24 via 10.77.0.{o} dev wan0"),
                batch.Where(l => l.StartsWith("route add", StringComparison.Ordinal)));
        }

        var offloads = steps.OfType<LabStep.Tune>().SelectMany(t => t.OffloadsOff.Select(d => $"{t.Namespace}/{d}")).Order();
        Assert.Equal(["roost-abcdefghij-s1/wan0", "roost-abcdefghij-s2/wan0", "roost-abcdefghij-s3/wan0", "roost-abcdefghij-wan/s1", "roost-abcdefghij-wan/s2", "roost-abcdefghij-wan/s3"], offloads);
    }

    [Fact]
    public void UpSteps_CreateNamespacesFirst_ThenTurnIpv6OffBeforeAnyInterfaceExists()
    {
        var steps = Layout().UpSteps();

        Assert.Equal(["netns add roost-abcdefghij-wan", "netns add roost-abcdefghij-s1", "netns add roost-abcdefghij-s2"], Assert.IsType<LabStep.Command>(steps[0]).Run.Batch);
        Assert.All(steps.Skip(1).Take(3), s => Assert.Contains(new KeyValuePair<string, string>("net.ipv6.conf.default.disable_ipv6", "1"), Assert.IsType<LabStep.Tune>(s).Sysctls));
        Assert.Contains(new KeyValuePair<string, string>("net.ipv4.ip_forward", "1"), Assert.IsType<LabStep.Tune>(steps[2]).Sysctls);
    }
}
