namespace Roost.Core.Network;

/// <summary>
/// Gives out addresses in one VPC's range: the lowest host address that is not the gateway, the enterprise's or a
/// member's. Per VPC, so two tenants using the same private range never clash (their segments are separate).
/// </summary>
public static class AddressAllocator
{
    /// <summary>The lowest free member address of <paramref name="vpc"/>, or null when its range is full.</summary>
    public static uint? Next(Vpc vpc, IEnumerable<VpcMember> members)
    {
        ArgumentNullException.ThrowIfNull(vpc);
        ArgumentNullException.ThrowIfNull(members);
        var taken = members.Where(m => m.Vpc == vpc.Id).Select(m => m.Address).ToHashSet();
        if (vpc.Enterprise is { } enterprise)
        {
            taken.Add(enterprise.Address);
        }

        for (var address = vpc.Subnet.Gateway + 1; address < vpc.Subnet.Broadcast; address++)
        {
            if (!taken.Contains(address))
            {
                return address;
            }
        }

        return null;
    }
}
