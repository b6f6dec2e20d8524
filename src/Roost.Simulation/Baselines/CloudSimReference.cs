namespace Roost.Simulation.Baselines;

/// <summary>One figure set CloudSim 3.0.3 printed for a policy on a PlanetLab day. SLATAH and PDM in %; null where not printed.</summary>
public sealed record CloudSimFigures(string Policy, string Day, double EnergyKwh, int Migrations, double? SlatahPercent, double? PdmPercent);

/// <summary>
/// The reference run of CloudSim 3.0.3 (the authors' code, tag cloudsim-3.0.3) on the PlanetLab files in
/// ../shared/traces, as measured on machines of this kind and recorded in ../shared/traces/README.md. These are
/// another program's outputs, kept here as the yardstick Roost's baselines are checked against.
/// </summary>
public static class CloudSimReference
{
    public static IReadOnlyList<string> Days { get; } = ["20110303", "20110306", "20110309"];

    public static IReadOnlyList<CloudSimFigures> Figures { get; } =
    [
        new("npa", "20110303", 2410.80, 0, null, null),
        new("dvfs", "20110303", 764.96, 0, null, null),
        new("dvfs", "20110306", 618.28, 0, null, null),
        new("dvfs", "20110309", 678.96, 0, null, null),
        new("thr-mmt-1.0", "20110303", 168.71, 47987, 15.68, 0.19),
        new("thr-mmt-1.0", "20110306", 127.95, 35613, 15.87, 0.19),
        new("thr-mmt-1.0", "20110309", 138.75, 37280, 14.15, 0.18),
        new("thr-mmt-0.8", "20110303", 198.08, 27728, 5.00, 0.07),
        new("thr-mmt-0.8", "20110306", 150.70, 21575, 5.21, 0.08),
        new("thr-mmt-0.8", "20110309", 162.20, 23376, 5.26, 0.07),
        new("iqr-mmt-1.5", "20110303", 193.63, 27592, 5.02, 0.07),
        new("iqr-mmt-1.5", "20110306", 147.93, 21748, 5.31, 0.08),
        new("iqr-mmt-1.5", "20110309", 161.22, 23642, 5.21, 0.07),
        new("mad-mmt-2.5", "20110303", 189.79, 27781, 5.09, 0.07),
        new("mad-mmt-2.5", "20110306", 145.85, 22129, 5.40, 0.08),
        new("mad-mmt-2.5", "20110309", 159.27, 23353, 5.09, 0.07),
        new("lr-mmt-1.2", "20110303", 167.83, 27649, 5.72, 0.08),
        new("lr-mmt-1.2", "20110306", 127.98, 21661, 5.99, 0.08),
        new("lr-mmt-1.2", "20110309", 139.40, 24239, 6.31, 0.08),
        new("lrr-mmt-1.2", "20110303", 167.83, 27649, 5.72, 0.08),
        new("lrr-mmt-1.2", "20110306", 127.98, 21661, 5.99, 0.08),
        new("lrr-mmt-1.2", "20110309", 139.40, 24239, 6.31, 0.08),
    ];
}
