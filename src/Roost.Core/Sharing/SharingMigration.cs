using Roost.Core.Model;

namespace Roost.Core.Sharing;

/// <summary>One move of a consolidation plan, with the sharing the VM is estimated to find at its destination.</summary>
public sealed record SharingMigration(VmId Vm, HostId From, HostId To, double EstimatedSharedPages);
