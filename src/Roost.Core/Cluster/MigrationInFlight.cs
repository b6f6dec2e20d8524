using Roost.Core.Model;

namespace Roost.Core.Cluster;

/// <summary>A live migration under way: where the VM goes, when its copy ends, and what it holds on arrival.</summary>
public readonly record struct MigrationInFlight(HostId To, TimeSpan EndsAt, ResourceVector Allocation);
