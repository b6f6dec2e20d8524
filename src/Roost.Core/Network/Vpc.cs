namespace Roost.Core.Network;

/// <summary>
/// A tenant's isolated layer-2 segment, stretched over every site: its id (which names every kernel object), a
/// display name (never reaches the kernel), its private IPv4 range (tenants may reuse each other's ranges: segments
/// are separate), a bandwidth reservation on every site's WAN uplink in Mbit/s (0: none; the paper's "resource
/// flexibility"), and where the enterprise's own LAN joins the segment, if it does.
/// </summary>
public sealed record Vpc(VpcId Id, string Name, Ipv4Subnet Subnet, long ReservedMbps = 0, EnterpriseAttachment? Enterprise = null);
