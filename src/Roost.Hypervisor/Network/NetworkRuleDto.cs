namespace Roost.Hypervisor.Network;

public sealed record NetworkRuleDto(int From, int? To);
