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
}

/// <summary>A sampled series: value <c>Values[i]</c> holds at <c>TimesSeconds[i]</c>.</summary>
public sealed record TimeSeries(double[] TimesSeconds, double[] Values);
