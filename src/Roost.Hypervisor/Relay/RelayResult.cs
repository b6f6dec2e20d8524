using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Relay;

/// <summary>How a relay end finished: completed (every stream ended whole) or failed with one line, what it carried, and for how long.</summary>
public sealed record RelayResult(bool Completed, string? Failure, RelayTraffic Traffic, TimeSpan Elapsed);
