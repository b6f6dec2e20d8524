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
    TimeSeries ActiveHosts);

/// <summary>A sampled series: value <c>Values[i]</c> holds at <c>TimesSeconds[i]</c>.</summary>
public sealed record TimeSeries(double[] TimesSeconds, double[] Values);
