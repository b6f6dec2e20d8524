namespace Roost.Core.Model;

/// <summary>A physical host as a planner sees it at one instant: who it is and what it can hold.</summary>
public sealed record HostSnapshot(HostId Id, ResourceVector Capacity);
