namespace Roost.Core.Network;

/// <summary>
/// Allows traffic, in both directions, between the members of <paramref name="From"/> and those of
/// <paramref name="To"/>, or, when <paramref name="To"/> is null, between <paramref name="From"/> and the sites' own
/// networks (each site router and its LAN). Without a rule a VPC reaches nothing but itself. Allowed traffic is routed
/// by the VPC's gateway (the first address of its range, present at every site's router).
/// </summary>
public sealed record VpcRule(VpcId From, VpcId? To)
{
    public override string ToString() => To is { } to ? $"{From} <-> {to}" : $"{From} <-> site";
}
