using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>A host's measured usage (cores, MiB, Mbit/s) at a wall-clock instant, as kept in the downsampled history.</summary>
public sealed record HostSample(HostId Host, DateTimeOffset At, ResourceVector Usage);
