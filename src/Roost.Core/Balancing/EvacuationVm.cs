using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// A running VM for <see cref="MaintenanceEvacuation"/>: where it is and is going, what it takes on a host
/// (<see cref="Footprint"/>), what it holds, and whether an active plan already moves it (<see cref="Busy"/>).
/// </summary>
public sealed record EvacuationVm(VmId Vm, HostId Host, HostId? MigratingTo, ResourceVector Footprint, ResourceVector Allocation, bool Busy);
