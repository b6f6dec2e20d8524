using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>
/// A host at the last step: capacity and usage (cores, MiB, Mbit/s), power in watts, Sandpiper's verdict, and why it
/// could not be observed (null when it was).
/// </summary>
public sealed record HostLive(HostId Id, string Name, ResourceVector Capacity, ResourceVector Usage, double PowerWatts, bool Hot, bool Maintenance, int VmCount, string? Problem);
