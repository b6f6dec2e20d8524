using Roost.Core.Network;

namespace Roost.Controller.Api;

/// <summary>
/// A VPC as the API shows it: its id (<c>vpc-N</c>, also the agents' network name for its segment), name, range,
/// gateway (present when a rule routes it), reservation, VNI, the enterprise's attachment, members with their
/// addresses (what their NICs get: <see cref="VpcMemberResponse.Cidr"/>) and what its rules let it reach.
/// </summary>
public sealed record VpcResponse(
    string Id,
    string Name,
    string Subnet,
    string? Gateway,
    int ReservedMbps,
    int Vni,
    string Network,
    VpcEnterpriseResponse? Enterprise,
    VpcMemberResponse[] Members,
    string[] Reaches)
{
    public static VpcResponse From(Vpc vpc, NetworkIntent intent)
    {
        ArgumentNullException.ThrowIfNull(vpc);
        ArgumentNullException.ThrowIfNull(intent);
        var names = intent.Vpcs.ToDictionary(v => v.Id, v => v.Name);
        var reaches = intent.Rules
            .Where(r => r.From == vpc.Id || r.To == vpc.Id)
            .Select(r => r.To is not { } to ? AddVpcRuleRequest.Site : (r.From == vpc.Id ? to : r.From).ToString())
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
        return new VpcResponse(
            vpc.Id.ToString(),
            vpc.Name,
            vpc.Subnet.ToString(),
            intent.Routed.Contains(vpc.Id) ? Ipv4Subnet.FormatAddress(vpc.Subnet.Gateway) : null,
            checked((int)vpc.ReservedMbps),
            vpc.Id.Vni,
            vpc.Id.NetworkName,
            vpc.Enterprise is { } e ? new VpcEnterpriseResponse(e.Site, vpc.Subnet.Cidr(e.Address)) : null,
            [.. intent.Members.Where(m => m.Vpc == vpc.Id).Select(m => VpcMemberResponse.From(vpc, m))],
            reaches);
    }
}
