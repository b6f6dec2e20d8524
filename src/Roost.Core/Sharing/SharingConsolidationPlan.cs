using Roost.Core.Model;

namespace Roost.Core.Sharing;

/// <summary>
/// A consolidation plan: migrations in the order they were committed, the hosts they empty (ascending id) and every
/// host's state after the plan (ascending id).
/// </summary>
public sealed record SharingConsolidationPlan(IReadOnlyList<SharingMigration> Migrations, IReadOnlyList<HostId> EvacuatedHosts, IReadOnlyList<SharingHost> Hosts);
