using Roost.Core.Model;

namespace Roost.Simulation.Scenarios;

/// <summary>
/// A host at the end of a run: its last monitoring sample (mean usage over the final interval, cores/MiB/Mbit/s),
/// its capacity, and the VMs on it (ascending id).
/// </summary>
public sealed record HostEndState(HostId Host, ResourceVector LastSample, ResourceVector Capacity, IReadOnlyList<VmId> Vms)
{
    /// <summary>The largest of the last sample's utilisations (0..1).</summary>
    public double PeakUtilisation => LastSample.FractionOf(Capacity).MaxComponent;
}
