namespace Roost.Core.Network;

/// <summary>
/// The enterprise side of a VPC: the tenant's own network (a network namespace standing for its LAN) joined to the
/// VPC's segment at site <paramref name="Site"/> by a veth, with the enterprise's address
/// <paramref name="Address"/> on the segment (Wood et al., "The Case for Enterprise-Ready Virtual Private Clouds":
/// cloud VMs appear on the enterprise's LAN).
/// </summary>
public sealed record EnterpriseAttachment(int Site, uint Address);
