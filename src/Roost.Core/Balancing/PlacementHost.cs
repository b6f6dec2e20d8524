using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// A host as placement sees it: the most it may commit (<see cref="Limit"/>: capacity, CPU possibly oversubscribed),
/// what is committed on it, and whether it takes VMs at all (a host in maintenance does not).
/// </summary>
public sealed record PlacementHost(HostId Id, ResourceVector Limit, ResourceVector Committed, bool Open);
