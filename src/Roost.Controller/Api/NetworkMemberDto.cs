namespace Roost.Controller.Api;

public sealed record NetworkMemberDto(int Vpc, string Vm, string Address);
