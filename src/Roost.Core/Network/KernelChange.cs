namespace Roost.Core.Network;

/// <summary>One step that brings a site's kernel toward its plan. Closed set: the host side turns each into commands.</summary>
public abstract record KernelChange
{
    private KernelChange()
    {
    }

    /// <summary>Deletes a link (a bridge's ports stay, detached; a veth takes its peer with it).</summary>
    public sealed record DeleteLink(string Name) : KernelChange
    {
        public override string ToString() => $"delete link {Name}";
    }

    public sealed record DeleteNamespace(string Name) : KernelChange
    {
        public override string ToString() => $"delete namespace {Name}";
    }

    /// <summary>Creates the bridge (or fixes its MAC, MTU and state in place, so ports such as guests' taps stay attached).</summary>
    public sealed record EnsureBridge(BridgePlan Bridge, bool Exists) : KernelChange
    {
        public override string ToString() => $"{(Exists ? "fix" : "create")} bridge {Bridge.Name} ({Bridge.Vpc}, {Bridge.Mac})";
    }

    public sealed record AddAddress(string Link, string Cidr) : KernelChange
    {
        public override string ToString() => $"add address {Cidr} to {Link}";
    }

    public sealed record RemoveAddress(string Link, string Cidr) : KernelChange
    {
        public override string ToString() => $"remove address {Cidr} from {Link}";
    }

    /// <summary>Creates the VXLAN device, attaches it to its bridge with the segment's MTU, brings it up and adds its floods.</summary>
    public sealed record CreateTunnel(TunnelPlan Tunnel) : KernelChange
    {
        public override string ToString() =>
            $"create vxlan {Tunnel.Name} (VNI {Tunnel.Vni}) in {Tunnel.Bridge}, flooding to {string.Join(", ", Tunnel.FloodTo.Select(Ipv4Subnet.FormatAddress))}";
    }

    public sealed record AddFlood(string Link, uint Destination) : KernelChange
    {
        public override string ToString() => $"add flood {Link} -> {Ipv4Subnet.FormatAddress(Destination)}";
    }

    public sealed record RemoveFlood(string Link, uint Destination) : KernelChange
    {
        public override string ToString() => $"remove flood {Link} -> {Ipv4Subnet.FormatAddress(Destination)}";
    }

    /// <summary>Creates the enterprise namespace if missing, its veth into the bridge, and the enterprise's address.</summary>
    public sealed record CreateEnterprise(EnterprisePlan Enterprise, bool NamespaceExists) : KernelChange
    {
        public override string ToString() => $"create enterprise link {Enterprise.SiteLink} in {Enterprise.Bridge} to {Enterprise.Namespace} ({Enterprise.Cidr})";
    }

    /// <summary>Replaces the filter table atomically with the plan's.</summary>
    public sealed record ApplyFilter(FilterPlan Filter) : KernelChange
    {
        public override string ToString() => $"replace nftables table {SitePlanner.FilterTable} (digest {Filter.Digest})";
    }

    public sealed record RemoveFilter : KernelChange
    {
        public override string ToString() => $"remove nftables table {SitePlanner.FilterTable}";
    }

    /// <summary>Builds the htb anew under the uplink's shaper, first removing Roost's htb when one <paramref name="Exists"/>.</summary>
    public sealed record ApplyShaping(ShapingPlan Shaping, bool Exists) : KernelChange
    {
        public override string ToString() =>
            $"build htb on {Shaping.Uplink}: {string.Join(", ", Shaping.Classes.Select(c => $"{c.Vpc} {c.BitsPerSecond / 1_000_000} Mbit/s"))}, others {Shaping.DefaultBitsPerSecond / 1_000_000} Mbit/s";
    }

    /// <summary>Removes the htb and restores the uplink's shaper (or removes the root htb when there was none).</summary>
    public sealed record RemoveShaping(string Uplink) : KernelChange
    {
        public override string ToString() => $"remove htb from {Uplink}, restore its shaper";
    }
}
