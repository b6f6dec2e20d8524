namespace Roost.Hypervisor.Network;

public sealed record NetworkMemberDto(int Vpc, string Vm, string Address);
