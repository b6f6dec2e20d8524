using Roost.Core.Model;

namespace Roost.Controller.Drivers;

/// <summary>
/// A host's usage over the interval (cores, MiB, Mbit/s) and its power draw in watts (0 when off). <see cref="Problem"/>
/// is one line when the host could not be observed (an agent that does not answer), else null.
/// </summary>
public sealed record HostObservation(HostId Host, ResourceVector Usage, double PowerWatts)
{
    public string? Problem { get; init; }
}
