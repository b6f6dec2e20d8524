using Roost.Controller.Store;

namespace Roost.Controller.Drivers;

/// <summary>Hosts and running VMs a driver found on first start.</summary>
public sealed record DriverInventory(IReadOnlyList<StoredHost> Hosts, IReadOnlyList<StoredVm> Vms);
