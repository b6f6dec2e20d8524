using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>A physical host in the inventory: capacity in cores, MiB and Mbit/s; in maintenance it takes no VMs and is evacuated.</summary>
public sealed record StoredHost(HostId Id, string Name, ResourceVector Capacity, bool Maintenance = false);
