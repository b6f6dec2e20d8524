using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>A host for <see cref="MaintenanceEvacuation"/>: its capacity and whether it is being emptied.</summary>
public sealed record EvacuationHost(HostSnapshot Host, bool Maintenance);
