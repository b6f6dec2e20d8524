namespace Roost.Core.Network;

/// <summary>
/// What a site's kernel holds of Roost's VPCs, as read back (<c>ip -j -d link</c>, <c>ip -j addr</c>, <c>bridge -j fdb</c>,
/// <c>nft -j list table</c>, <c>tc qdisc/class/filter</c>, the enterprise namespaces). Only objects with Roost's names
/// (<c>vbN</c>, <c>vxN</c>, <c>veN</c>, the filter table, htb 10: on the uplink) are reported; everything else is not ours.
/// <paramref name="UplinkTbfHandle"/> is the handle of the uplink's root qdisc (e.g. <c>8001:</c>) when it is a tbf
/// (the lab's shaper, which Roost's htb hangs below), else null.
/// </summary>
public sealed record ObservedSite(
    IReadOnlyList<ObservedLink> Links,
    IReadOnlyList<ObservedEnterprise> Enterprises,
    string? FilterDigest,
    ObservedShaping? Shaping,
    string? UplinkTbfHandle = null)
{
    /// <summary>The filter table exists but carries no digest Roost wrote (edited by hand or half made).</summary>
    public const string UnknownDigest = "?";
}

/// <summary>
/// One of Roost's links at the site: kind (bridge, vxlan, veth), master bridge, MTU, up, MAC; for a VXLAN device its
/// VNI, local address, port, underlay device and flood destinations; for a bridge its IPv4 addresses (CIDR).
/// </summary>
public sealed record ObservedLink(
    string Name,
    string Kind,
    string? Master,
    int Mtu,
    bool Up,
    string Mac,
    IReadOnlyList<string> Addresses,
    ObservedTunnel? Tunnel);

public sealed record ObservedTunnel(int Vni, uint? Local, int Port, string? Underlay, bool Learning, IReadOnlyList<uint> FloodTo);

/// <summary>An enterprise namespace of this site's prefix, and its inner link's addresses (null when the link is missing).</summary>
public sealed record ObservedEnterprise(string Namespace, IReadOnlyList<string>? InnerAddresses);

/// <summary>
/// The uplink's htb (10:) as read back: under which parent, its classes (minor → rate and ceil, bit/s) and its filters
/// (VNI → class minor). Null in <see cref="ObservedSite"/> when there is none.
/// </summary>
public sealed record ObservedShaping(
    string Parent,
    IReadOnlyDictionary<int, (long Rate, long Ceil)> Classes,
    IReadOnlyDictionary<int, int> FilterByVni,
    int DefaultMinor);
