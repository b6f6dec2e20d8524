namespace Roost.Controller.Api;

/// <summary>Where the enterprise joins (a site number) and its address on the segment (CIDR).</summary>
public sealed record VpcEnterpriseResponse(int Site, string Cidr);
