namespace Roost.Hypervisor.Agent;

/// <summary>Body of <c>POST /api/vms/{id}/load</c>: busy-loop this many guest CPUs and/or hold this much guest memory.</summary>
public sealed record LoadRequest(int? BusyCpus, int? HoldMiB);
