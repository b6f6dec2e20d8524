using System.Globalization;
using Roost.Core.Network;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Network;

/// <summary>
/// The host commands for one <see cref="KernelChange"/> at a site (argument lists and batch lines, never a shell).
/// Every name in them comes from a <see cref="VpcId"/> (digits) or a validated <see cref="SiteFabric"/>; addresses are
/// formatted from integers.
/// </summary>
internal static class KernelCommands
{
    private const string FloodMac = "00:00:00:00:00:00";

    /// <summary>The commands for <paramref name="change"/>; <paramref name="tbfHandle"/> is the uplink's root tbf ("8001:") when the htb hangs below it.</summary>
    public static IReadOnlyList<HostCommand> For(KernelChange change, SiteNetworkPlan plan, string? siteNamespace, string? tbfHandle)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(plan);
        var ns = SiteObserver.Netns(siteNamespace);
        var mtu = SiteFabric.SegmentMtu.ToString(CultureInfo.InvariantCulture);
        return change switch
        {
            KernelChange.DeleteLink d => [Ip(ns, $"link del {d.Name}")],
            KernelChange.DeleteNamespace d => [new("ip", ["netns", "del", d.Name])],
            KernelChange.EnsureBridge { Exists: false } b =>
                [Ip(ns, $"link add {b.Bridge.Name} address {b.Bridge.Mac} mtu {mtu} type bridge", $"link set {b.Bridge.Name} up")],
            KernelChange.EnsureBridge b => [Ip(ns, $"link set {b.Bridge.Name} address {b.Bridge.Mac} mtu {mtu} up")],
            KernelChange.AddAddress a => [Ip(ns, $"addr add {a.Cidr} dev {a.Link}")],
            KernelChange.RemoveAddress a => [Ip(ns, $"addr del {a.Cidr} dev {a.Link}")],
            KernelChange.CreateTunnel t =>
            [
                Ip(
                    ns,
                    string.Create(CultureInfo.InvariantCulture, $"link add {t.Tunnel.Name} address {t.Tunnel.Mac} mtu {mtu} type vxlan id {t.Tunnel.Vni} local {Ipv4Subnet.FormatAddress(t.Tunnel.Local)} dstport {SiteFabric.VxlanPort} dev {t.Tunnel.Underlay}"),
                    $"link set {t.Tunnel.Name} master {t.Tunnel.Bridge}",
                    $"link set {t.Tunnel.Name} up"),
                .. t.Tunnel.FloodTo.Count == 0 ? Array.Empty<HostCommand>()
                    : [Bridge(ns, [.. t.Tunnel.FloodTo.Select(d => $"fdb append {FloodMac} dev {t.Tunnel.Name} dst {Ipv4Subnet.FormatAddress(d)}")])],
            ],
            KernelChange.AddFlood f => [Bridge(ns, [$"fdb append {FloodMac} dev {f.Link} dst {Ipv4Subnet.FormatAddress(f.Destination)}"])],
            KernelChange.RemoveFlood f => [Bridge(ns, [$"fdb del {FloodMac} dev {f.Link} dst {Ipv4Subnet.FormatAddress(f.Destination)}"])],
            KernelChange.CreateEnterprise e =>
            [
                .. e.NamespaceExists ? Array.Empty<HostCommand>() : [new HostCommand("ip", ["netns", "add", e.Enterprise.Namespace])],
                Ip(
                    ns,
                    $"link add {e.Enterprise.SiteLink} address {e.Enterprise.SiteMac} mtu {mtu} type veth peer name {e.Enterprise.InnerLink} address {e.Enterprise.InnerMac} mtu {mtu} netns {e.Enterprise.Namespace}",
                    $"link set {e.Enterprise.SiteLink} master {e.Enterprise.Bridge}",
                    $"link set {e.Enterprise.SiteLink} up"),
                Ip(["-n", e.Enterprise.Namespace], "link set lo up", $"addr add {e.Enterprise.Cidr} dev {e.Enterprise.InnerLink}", $"link set {e.Enterprise.InnerLink} up"),
            ],
            KernelChange.ApplyFilter f => [Nft(siteNamespace, ["-f", "-"], f.Filter.Script)],
            KernelChange.RemoveFilter => [Nft(siteNamespace, ["delete", "table", "inet", SitePlanner.FilterTable], null)],
            KernelChange.ApplyShaping s => [Tc(ns, ApplyShaping(s.Shaping, s.Exists, plan.Fabric, tbfHandle))],
            KernelChange.RemoveShaping r => [Tc(ns, RemoveShaping(r.Uplink, plan.Fabric, tbfHandle))],
            _ => throw new InvalidOperationException($"unknown change {change}"),
        };
    }

    /// <summary>htb's burst: 1 ms at the link rate, at least 16 KiB (as the lab's tbf), so a fast class is not held back by timer ticks.</summary>
    public static long BurstBytes(long linkBitsPerSecond) => Math.Max(16 * 1024, linkBitsPerSecond / 8 / 1000);

    private static List<string> ApplyShaping(ShapingPlan shaping, bool exists, SiteFabric fabric, string? tbfHandle)
    {
        var dev = shaping.Uplink;
        var major = SitePlanner.ShapingMajor.ToString("x", CultureInfo.InvariantCulture);
        var parent = fabric.Shaper is null ? "root" : $"parent {TbfClass(tbfHandle)}";
        var burst = BurstBytes(shaping.LinkBitsPerSecond);
        string Class(string parentId, int minor, long rate) => string.Create(
            CultureInfo.InvariantCulture,
            $"class add dev {dev} parent {parentId} classid {major}:{minor:x} htb rate {rate}bit ceil {shaping.LinkBitsPerSecond}bit burst {burst} cburst {burst}");

        // Deleting Roost's htb first (when there is one) gives a fresh tree: replacing an htb keeps its old classes.
        var lines = exists ? new List<string> { $"qdisc del dev {dev} {parent}" } : [];
        lines.AddRange(
        [
            string.Create(CultureInfo.InvariantCulture, $"qdisc add dev {dev} {parent} handle {major}: htb default {SitePlanner.DefaultClassMinor:x}"),
            Class($"{major}:", SitePlanner.RootClassMinor, shaping.LinkBitsPerSecond),
            Class($"{major}:1", SitePlanner.DefaultClassMinor, shaping.DefaultBitsPerSecond),
        ]);
        foreach (var c in shaping.Classes)
        {
            lines.Add(Class($"{major}:1", c.Minor, c.BitsPerSecond));
            lines.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"filter add dev {dev} parent {major}: protocol ip prio 1 u32 match ip protocol 17 0xff match ip dport {SiteFabric.VxlanPort} 0xffff match u32 0x{(uint)c.Vni << 8:x8} 0xffffff00 at 32 flowid {major}:{c.Minor:x}"));
        }

        return lines;
    }

    private static List<string> RemoveShaping(string uplink, SiteFabric fabric, string? tbfHandle)
    {
        if (fabric.Shaper is not { } shaper)
        {
            return [$"qdisc del dev {uplink} root"];
        }

        // Deleting tbf's child leaves it a black hole (noop); 'change' with the lab's own parameters makes tbf
        // create its default bfifo again, exactly as the lab built it.
        return
        [
            $"qdisc del dev {uplink} parent {TbfClass(tbfHandle)}",
            string.Create(CultureInfo.InvariantCulture, $"qdisc change dev {uplink} root tbf rate {fabric.UplinkBitsPerSecond}bit burst {shaper.BurstBytes} limit {shaper.LimitBytes}"),
        ];
    }

    private static string TbfClass(string? tbfHandle) =>
        tbfHandle is { Length: >= 2 } h && h[^1] == ':' && h[..^1].All(char.IsAsciiHexDigit)
            ? h + "1"
            : throw new IOException($"the uplink's root qdisc is not the lab's tbf (handle '{tbfHandle}')");

    private static HostCommand Ip(IReadOnlyList<string> ns, params string[] batch) => new("ip", [.. ns, "-batch", "-"], batch);

    private static HostCommand Bridge(IReadOnlyList<string> ns, IReadOnlyList<string> batch) => new("bridge", [.. ns, "-batch", "-"], batch);

    private static HostCommand Tc(IReadOnlyList<string> ns, IReadOnlyList<string> batch) => new("tc", [.. ns, "-batch", "-"], batch);

    private static HostCommand Nft(string? siteNamespace, IReadOnlyList<string> arguments, IReadOnlyList<string>? script) =>
        siteNamespace is null ? new("nft", arguments, script) : new("ip", ["netns", "exec", siteNamespace, "nft", .. arguments], script);
}
