namespace Roost.Controller.Api;

/// <summary>Where an operator wants a VM to go.</summary>
public sealed record MigrateVmRequest(int Host);
