using Roost.Core.Model;

namespace Roost.Controller.Drivers;

/// <summary>A host's usage over the interval (cores, MiB, Mbit/s) and its power draw in watts (0 when off).</summary>
public sealed record HostObservation(HostId Host, ResourceVector Usage, double PowerWatts);
