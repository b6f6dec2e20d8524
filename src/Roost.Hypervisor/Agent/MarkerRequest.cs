namespace Roost.Hypervisor.Agent;

/// <summary>Body of <c>POST /api/vms/{id}/marker</c>: text (letters, digits, dashes) the guest keeps in RAM.</summary>
public sealed record MarkerRequest(string? Text);
