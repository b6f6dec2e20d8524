namespace Roost.Core.Power;

/// <summary>
/// A power model read off a SPECpower_ssj2008 result: measured watts at 0 %, 10 %, …, 100 % load, linearly
/// interpolated in between (as CloudSim's <c>PowerModelSpecPower</c> does).
/// </summary>
public sealed class SpecPowerModel : IPowerModel
{
    private readonly double[] _wattsAtTenths;

    public SpecPowerModel(string name, IReadOnlyList<double> wattsAtTenths)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(wattsAtTenths);
        if (wattsAtTenths.Count != 11)
        {
            throw new ArgumentException("A SPECpower table has 11 points: 0 %, 10 %, …, 100 %.", nameof(wattsAtTenths));
        }

        Name = name;
        _wattsAtTenths = [.. wattsAtTenths];
    }

    /// <summary>HP ProLiant ML110 G4 (1 × Xeon 3040, 2 cores × 1860 MHz, 4 GB), as used by CloudSim.</summary>
    public static SpecPowerModel HpProLiantMl110G4 { get; } =
        new("HP ProLiant ML110 G4", [86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]);

    /// <summary>HP ProLiant ML110 G5 (1 × Xeon 3075, 2 cores × 2660 MHz, 4 GB), as used by CloudSim.</summary>
    public static SpecPowerModel HpProLiantMl110G5 { get; } =
        new("HP ProLiant ML110 G5", [93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135]);

    public string Name { get; }

    public IReadOnlyList<double> WattsAtTenths => _wattsAtTenths;

    public double PowerWatts(double utilization)
    {
        if (utilization is < 0 or > 1 || double.IsNaN(utilization))
        {
            throw new ArgumentOutOfRangeException(nameof(utilization), utilization, "Utilisation must lie in [0, 1].");
        }

        // CloudSim: floor/ceil of utilization·10 and linear interpolation between the two table points. Where both
        // indices agree the interpolation term is zero, which is CloudSim's exact-table-point case without its fmod.
        var lower = (int)Math.Floor(utilization * 10);
        var upper = (int)Math.Ceiling(utilization * 10);
        var delta = (_wattsAtTenths[upper] - _wattsAtTenths[lower]) / 10;
        return _wattsAtTenths[lower] + (delta * (utilization - (lower / 10.0)) * 100);
    }
}
