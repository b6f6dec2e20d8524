namespace Roost.Controller.Api;

public sealed record NetworkRuleDto(int From, int? To);
