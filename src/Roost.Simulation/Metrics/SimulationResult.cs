namespace Roost.Simulation.Metrics;

/// <summary>
/// The outcome of one simulation run of one policy on one workload. Percentages are 0..100 (as CloudSim prints
/// them). SLAV = SLATAH × PDM (both as fractions, then ×100); ESV = energy (kWh) × SLAV (fraction).
/// </summary>
public sealed record SimulationResult(
    string Policy,
    string Workload,
    int Hosts,
    int Vms,
    double SimulatedSeconds,
    double EnergyKwh,
    int Migrations,
    double SlatahPercent,
    double PdmPercent,
    double SlavPercent,
    double Esv,
    int HostShutdowns,
    TimeSeries ActiveHosts)
{
    /// <summary>Host-seconds during which a host gave its VMs less CPU than they asked for (the time SLATAH counts).</summary>
    public double OverloadHostSeconds { get; init; }

    /// <summary>Hotspots a Sandpiper policy detected and acted on (hosts turning hot); 0 for the baselines.</summary>
    public int Hotspots { get; init; }

    /// <summary>
    /// VMs that fit no host when they were created at t = 0 and so were never simulated (CloudSim's broker drops a VM
    /// whose creation fails the same way); they count in <see cref="Vms"/>.
    /// </summary>
    public int UnplacedVms { get; init; }

    /// <summary>
    /// Host-seconds, counted at each step, during which the VMs on a host (a VM migrating in included) were given more
    /// memory than the host has: CloudSim's own accounting lets consolidation do that; reserved memory never does.
    /// </summary>
    public double MemoryOvercommitHostSeconds { get; init; }

    /// <summary>
    /// VMs that fit no host with room at t = 0 and were placed anyway, beyond a host's capacity (Sandpiper's placement;
    /// 0 for the baselines, which drop such VMs and count them in <see cref="UnplacedVms"/>).
    /// </summary>
    public int PlacedWithoutRoomVms { get; init; }

    /// <summary>How the baselines accounted for VM memory (Sandpiper always honours allocations).</summary>
    public DataCenter.MemoryAccounting Memory { get; init; }

    /// <summary>
    /// Why the figures cover fewer VMs, or other VMs, than the workload has (VMs that never ran, VMs placed without
    /// room): one line each, naming how many and why. <c>roost simulate</c> prints them on stderr.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Facts a reader comparing policies should know that do not make the figures wrong (VMs that left early).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>A sampled series: value <c>Values[i]</c> holds at <c>TimesSeconds[i]</c>.</summary>
public sealed record TimeSeries(double[] TimesSeconds, double[] Values);
