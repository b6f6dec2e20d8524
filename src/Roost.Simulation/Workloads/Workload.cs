namespace Roost.Simulation.Workloads;

/// <summary>A set of VM traces sharing one sampling interval, plus a human name for reports ("planetlab:20110303").</summary>
public sealed record Workload(string Name, TimeSpan Interval, IReadOnlyList<VmTrace> Vms)
{
    /// <summary>Number of samples in the longest trace.</summary>
    public int Steps => Vms.Count == 0 ? 0 : Vms.Max(v => v.Length);
}
