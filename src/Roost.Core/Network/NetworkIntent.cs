namespace Roost.Core.Network;

/// <summary>
/// What the controller's store declares about the network: VPCs, their members and the rules between them. Every
/// site's kernel state is derived from it (<see cref="SitePlanner"/>), never the other way round.
/// </summary>
public sealed record NetworkIntent(IReadOnlyList<Vpc> Vpcs, IReadOnlyList<VpcMember> Members, IReadOnlyList<VpcRule> Rules)
{
    public static NetworkIntent Empty { get; } = new([], [], []);

    /// <summary>The VPCs that need a gateway: those named by a rule.</summary>
    public IReadOnlySet<VpcId> Routed => Rules.SelectMany(r => r.To is { } to ? new[] { r.From, to } : [r.From]).ToHashSet();

    /// <summary>Null when the intent is consistent, else one line naming what is wrong.</summary>
    public string? Validate()
    {
        var byId = new Dictionary<VpcId, Vpc>();
        foreach (var vpc in Vpcs)
        {
            if (!byId.TryAdd(vpc.Id, vpc))
            {
                return $"{vpc.Id} is declared twice";
            }

            if (vpc.ReservedMbps < 0)
            {
                return $"{vpc.Id}: reservation {vpc.ReservedMbps} Mbit/s is negative";
            }

            if (vpc.Enterprise is { } enterprise && !IsMemberAddress(vpc.Subnet, enterprise.Address))
            {
                return $"{vpc.Id}: enterprise address {Ipv4Subnet.FormatAddress(enterprise.Address)} is not a member address of {vpc.Subnet}";
            }
        }

        var taken = new HashSet<(VpcId, uint)>();
        foreach (var vpc in Vpcs.Where(v => v.Enterprise is not null))
        {
            taken.Add((vpc.Id, vpc.Enterprise?.Address ?? 0));
        }

        foreach (var member in Members)
        {
            if (!byId.TryGetValue(member.Vpc, out var vpc))
            {
                return $"member {member.VmId}: no {member.Vpc}";
            }

            if (!IsMemberAddress(vpc.Subnet, member.Address))
            {
                return $"member {member.VmId}: {Ipv4Subnet.FormatAddress(member.Address)} is not a member address of {vpc.Subnet}";
            }

            if (!taken.Add((member.Vpc, member.Address)))
            {
                return $"member {member.VmId}: {Ipv4Subnet.FormatAddress(member.Address)} is already used in {member.Vpc}";
            }
        }

        foreach (var rule in Rules)
        {
            if (!byId.ContainsKey(rule.From) || (rule.To is { } to && (!byId.ContainsKey(to) || to == rule.From)))
            {
                return $"rule {rule}: names a missing VPC or the same VPC twice";
            }
        }

        // Routed VPCs share each site router's routing table, so their ranges must not overlap.
        var routed = Vpcs.Where(v => Routed.Contains(v.Id)).OrderBy(v => v.Id.Value).ToList();
        for (var i = 0; i < routed.Count; i++)
        {
            for (var j = i + 1; j < routed.Count; j++)
            {
                if (routed[i].Subnet.Overlaps(routed[j].Subnet))
                {
                    return $"{routed[i].Id} ({routed[i].Subnet}) and {routed[j].Id} ({routed[j].Subnet}) overlap and both have rules: routed VPCs need distinct ranges";
                }
            }
        }

        return null;
    }

    /// <summary>A host address other than the gateway (the first host).</summary>
    public static bool IsMemberAddress(Ipv4Subnet subnet, uint address) => subnet.IsHost(address) && address != subnet.Gateway;
}
