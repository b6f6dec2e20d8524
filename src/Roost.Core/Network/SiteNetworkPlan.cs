namespace Roost.Core.Network;

/// <summary>
/// The kernel objects one site must hold for the VPCs, and nothing else of Roost's: derived by
/// <see cref="SitePlanner"/>, compared with what the kernel holds by <see cref="SiteDiff"/>. Lists are sorted by VPC id.
/// </summary>
public sealed record SiteNetworkPlan(
    SiteFabric Fabric,
    IReadOnlyList<BridgePlan> Bridges,
    IReadOnlyList<TunnelPlan> Tunnels,
    IReadOnlyList<EnterprisePlan> Enterprises,
    FilterPlan? Filter,
    ShapingPlan? Shaping);

/// <summary>A VPC's bridge: fixed MAC (per VPC and site), the segment's MTU, and the gateway address if the VPC is routed.</summary>
public sealed record BridgePlan(VpcId Vpc, string Name, string Mac, string? GatewayCidr);

/// <summary>A VPC's VXLAN port on its bridge, flooding to every other site (head-end replication; MACs are learned).</summary>
public sealed record TunnelPlan(VpcId Vpc, string Name, string Mac, int Vni, uint Local, string Underlay, string Bridge, IReadOnlyList<uint> FloodTo);

/// <summary>The enterprise's veth: <paramref name="SiteLink"/> in the VPC's bridge, <paramref name="InnerLink"/> in its namespace.</summary>
public sealed record EnterprisePlan(VpcId Vpc, string Namespace, string SiteLink, string SiteMac, string InnerLink, string InnerMac, string Cidr, string Bridge);

/// <summary>The site's nftables table, as an <c>nft -f</c> script that replaces it atomically, and the digest it carries.</summary>
public sealed record FilterPlan(IReadOnlyList<string> Script, string Digest);

/// <summary>
/// The uplink's htb: one class per reserving VPC (guaranteed its rate, may borrow up to the link) selected by its VNI
/// in the VXLAN header, and a default class with the rest for everything else.
/// </summary>
public sealed record ShapingPlan(string Uplink, long LinkBitsPerSecond, long DefaultBitsPerSecond, IReadOnlyList<ShapingClass> Classes);

/// <summary>One reservation: htb class 10:<paramref name="Minor"/> (hex, as tc reads it) at <paramref name="BitsPerSecond"/>.</summary>
public sealed record ShapingClass(VpcId Vpc, int Minor, int Vni, long BitsPerSecond);
