namespace Roost.Hypervisor.Network;

public sealed record NetworkVpcDto(int Id, string Subnet, long ReservedMbps, int? EnterpriseSite, string? EnterpriseAddress);
