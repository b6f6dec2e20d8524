using Roost.Core.Network;

namespace Roost.Controller.Api;

/// <summary>A member VM and its allocated address (CIDR, as its NIC takes it); the gateway is the VPC's when it is routed.</summary>
public sealed record VpcMemberResponse(string Vm, string Address, string Cidr)
{
    public static VpcMemberResponse From(Vpc vpc, VpcMember member)
    {
        ArgumentNullException.ThrowIfNull(vpc);
        ArgumentNullException.ThrowIfNull(member);
        return new VpcMemberResponse(member.VmId, Ipv4Subnet.FormatAddress(member.Address), vpc.Subnet.Cidr(member.Address));
    }
}
