using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Roost.Core.Network;

/// <summary>
/// Derives one site's kernel objects from the declared intent (pure: equal inputs give equal plans, byte for byte).
/// Every VPC exists at every site (a member may migrate to any), as a bridge joined to the other sites by a VXLAN
/// device with the VPC's VNI; the enterprise's veth joins at its site. Isolation: segments are separate bridges, and
/// one nftables table drops whatever a site router would forward, deliver or send from or to a VPC bridge unless a rule
/// allows the pair. Reservations: an htb under the uplink's shaper, classifying VXLAN by VNI.
/// </summary>
public static class SitePlanner
{
    /// <summary>The nftables table Roost owns at each site (inet family: one table for IPv4 and IPv6).</summary>
    public const string FilterTable = "roost_vpc";

    /// <summary>The comment prefix that carries the ruleset's digest, so the reconciler reads back what it applied.</summary>
    public const string DigestComment = "roost-vpc ";

    /// <summary>The htb's handle major (10:), its root class (10:1) and its default class (10:2).</summary>
    public const int ShapingMajor = 0x10;
    public const int RootClassMinor = 1;
    public const int DefaultClassMinor = 2;
    public const int FirstReservationMinor = 0x10;

    /// <summary>The name of the enterprise end of its veth, inside its namespace.</summary>
    public const string EnterpriseInnerLink = "lan0";

    /// <summary>The plan for <paramref name="fabric"/>'s site; throws when the intent does not validate (check it first).</summary>
    public static SiteNetworkPlan Plan(NetworkIntent intent, SiteFabric fabric)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(fabric);
        if ((fabric.Validate() ?? intent.Validate() ?? ValidateFor(intent, fabric)) is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(intent));
        }

        var vpcs = intent.Vpcs.OrderBy(v => v.Id.Value).ToList();
        var routed = intent.Routed;
        var peers = fabric.PeerUnderlays.Order().ToList();
        var bridges = vpcs.Select(v => new BridgePlan(
            v.Id,
            v.Id.BridgeName,
            Mac(BridgeMacPrefix, v.Id, fabric.Site),
            routed.Contains(v.Id) ? v.Subnet.Cidr(v.Subnet.Gateway) : null)).ToList();
        var tunnels = vpcs.Select(v => new TunnelPlan(v.Id, v.Id.TunnelName, Mac(TunnelMacPrefix, v.Id, fabric.Site), v.Id.Vni, fabric.LocalUnderlay, fabric.Uplink, v.Id.BridgeName, peers)).ToList();
        var enterprises = vpcs
            .Where(v => v.Enterprise?.Site == fabric.Site)
            .Select(v => new EnterprisePlan(
                v.Id,
                fabric.EnterpriseNamespace(v.Id),
                v.Id.EnterpriseLinkName,
                Mac(EnterpriseLinkMacPrefix, v.Id, fabric.Site),
                EnterpriseInnerLink,
                Mac(EnterpriseInnerMacPrefix, v.Id, fabric.Site),
                v.Subnet.Cidr(v.Enterprise?.Address ?? 0),
                v.Id.BridgeName))
            .ToList();
        return new SiteNetworkPlan(fabric, bridges, tunnels, enterprises, Filter(vpcs, intent.Rules, fabric), Shaping(vpcs, fabric));
    }

    /// <summary>Null when the intent fits the site's fabric, else one line (the reservations must leave room on the uplink).</summary>
    public static string? ValidateFor(NetworkIntent intent, SiteFabric fabric)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(fabric);
        var reserved = intent.Vpcs.Sum(v => checked(v.ReservedMbps * 1_000_000));
        return reserved >= fabric.UplinkBitsPerSecond
            ? $"reservations total {reserved / 1_000_000} Mbit/s, which leaves nothing of site {fabric.Site}'s {fabric.UplinkBitsPerSecond / 1_000_000} Mbit/s uplink for other traffic"
            : null;
    }

    /// <summary>The second byte of the MACs Roost gives a VPC's bridge, VXLAN device and the two ends of the enterprise veth.</summary>
    public const int BridgeMacPrefix = 0x52;
    public const int TunnelMacPrefix = 0x53;
    public const int EnterpriseLinkMacPrefix = 0x54;
    public const int EnterpriseInnerMacPrefix = 0x55;

    /// <summary>
    /// A MAC for one of <paramref name="vpc"/>'s devices at <paramref name="site"/> (locally administered: 02, the
    /// device kind, the site, the id): fixed, so a restart reproduces the kernel state exactly, and distinct per site.
    /// The bridge's (the gateway's) must differ per site: one gateway MAC shared by all sites would swallow the ARP
    /// replies meant for another site's router (a bridge takes every frame to its own MAC), so every site's router
    /// answers for the gateway address with its own MAC and routes what reaches it.
    /// </summary>
    public static string Mac(int kind, VpcId vpc, int site) => string.Create(
        CultureInfo.InvariantCulture,
        $"02:{kind & 0xff:x2}:{site & 0xff:x2}:{(vpc.Value >> 16) & 0xff:x2}:{(vpc.Value >> 8) & 0xff:x2}:{vpc.Value & 0xff:x2}");

    private static FilterPlan? Filter(List<Vpc> vpcs, IReadOnlyList<VpcRule> rules, SiteFabric fabric)
    {
        if (vpcs.Count == 0)
        {
            return null;
        }

        var site = string.Join(", ", fabric.SiteLinks.Order(StringComparer.Ordinal).Select(Quote));
        var forward = new List<string>();
        var input = new List<string>();
        var output = new List<string>();

        // A segment's own traffic: with bridge-nf-call-iptables (on by default) bridged frames pass this hook too.
        forward.AddRange(vpcs.Select(v => $"iifname {Quote(v.Id.BridgeName)} oifname {Quote(v.Id.BridgeName)} accept"));
        foreach (var rule in rules.OrderBy(r => r.From.Value).ThenBy(r => r.To?.Value ?? 0))
        {
            var from = Quote(rule.From.BridgeName);
            if (rule.To is { } to)
            {
                forward.Add($"iifname {from} oifname {Quote(to.BridgeName)} accept");
                forward.Add($"iifname {Quote(to.BridgeName)} oifname {from} accept");
            }
            else
            {
                forward.Add($"iifname {from} oifname {{ {site} }} accept");
                forward.Add($"iifname {{ {site} }} oifname {from} accept");
                input.Add($"iifname {from} accept");
                output.Add($"oifname {from} accept");
            }
        }

        forward.Add("iifname \"vb*\" drop");
        forward.Add("oifname \"vb*\" drop");
        input.Add("iifname \"vb*\" drop");
        output.Add("oifname \"vb*\" drop");
        List<string> body =
        [
            "  chain forward {",
            "    type filter hook forward priority 0; policy accept;",
            .. forward.Distinct().Select(line => "    " + line),
            "  }",
            "  chain input {",
            "    type filter hook input priority 0; policy accept;",
            .. input.Distinct().Select(line => "    " + line),
            "  }",
            "  chain output {",
            "    type filter hook output priority 0; policy accept;",
            .. output.Distinct().Select(line => "    " + line),
            "  }",
        ];
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', body))))[..16];

        // The digest rides on a rule that matches nothing (the drop above it already took all of it).
        body.Insert(body.Count - 1, $"    oifname \"vb*\" drop comment \"{DigestComment}{digest}\"");
        return new FilterPlan(
        [
            // Creating the table first makes the delete valid when it does not exist: the whole file is one transaction.
            $"table inet {FilterTable} {{}}",
            $"delete table inet {FilterTable}",
            $"table inet {FilterTable} {{",
            .. body,
            "}",
        ], digest);
    }

    private static ShapingPlan? Shaping(List<Vpc> vpcs, SiteFabric fabric)
    {
        var reserving = vpcs.Where(v => v.ReservedMbps > 0).ToList();
        if (reserving.Count == 0)
        {
            return null;
        }

        var classes = reserving.Select((v, i) => new ShapingClass(v.Id, FirstReservationMinor + i, v.Id.Vni, v.ReservedMbps * 1_000_000)).ToList();
        return new ShapingPlan(fabric.Uplink, fabric.UplinkBitsPerSecond, fabric.UplinkBitsPerSecond - classes.Sum(c => c.BitsPerSecond), classes);
    }

    private static string Quote(string name) => $"\"{name}\"";
}
