using System.Runtime.Intrinsics;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A SPECpower table (watts at 0 %, 10 %, …, 100 % utilisation) with the two quantities of CloudSim's interpolation
/// that depend on the table index alone computed once: the slope term <c>(W[k + 1] − W[k]) / 10</c> and the point
/// <c>k / 10.0</c>. <see cref="Watts"/> gives exactly what <c>PowerModelSpecPower.getPower</c> computes (the same IEEE
/// operations on the same operands), without its two divisions per call.
/// </summary>
internal sealed class SpecPowerTable
{
    public SpecPowerTable(IReadOnlyList<double> wattsAtTenths)
    {
        ArgumentNullException.ThrowIfNull(wattsAtTenths);
        if (wattsAtTenths.Count != 11)
        {
            throw new ArgumentException($"A SPECpower table has 11 points, not {wattsAtTenths.Count}.", nameof(wattsAtTenths));
        }

        WattsAtTenths = [.. wattsAtTenths];
        Slopes = new double[11];
        Tenths = new double[11];
        for (var k = 0; k <= 10; k++)
        {
            Slopes[k] = k < 10 ? (WattsAtTenths[k + 1] - WattsAtTenths[k]) / 10 : 0;
            Tenths[k] = k / 10.0;
        }

        Vectors = new TableVectors(
            Vector512.Create(WattsAtTenths.AsSpan(0, 8)),
            Vector512.Create(WattsAtTenths[8], WattsAtTenths[9], WattsAtTenths[10], 0, 0, 0, 0, 0),
            Vector512.Create(Slopes.AsSpan(0, 8)),
            Vector512.Create(Slopes[8], Slopes[9], Slopes[10], 0, 0, 0, 0, 0),
            Vector512.Create(Tenths.AsSpan(0, 8)),
            Vector512.Create(Tenths[8], Tenths[9], Tenths[10], 0, 0, 0, 0, 0));
    }

    /// <summary>The table, slopes and points as two 8-lane vectors each (entries 0–7, then 8–10 and zeros), for lane lookups.</summary>
    public TableVectors Vectors { get; }

    /// <summary>Watts at 0 %, 10 %, …, 100 %.</summary>
    public double[] WattsAtTenths { get; }

    /// <summary><c>(W[k + 1] − W[k]) / 10</c> for k &lt; 10; 0 at 10.</summary>
    public double[] Slopes { get; }

    /// <summary><c>k / 10.0</c>.</summary>
    public double[] Tenths { get; }

    /// <summary>CloudSim's interpolation at a utilisation in [0, 1].</summary>
    public double Watts(double utilization)
    {
        // Utilisation lies in [0, 1] here, so the conversions cannot overflow; unchecked spares the range test.
        var lower = unchecked((int)Math.Floor(utilization * 10));
        var upper = unchecked((int)Math.Ceiling(utilization * 10));

        // Where both indices agree CloudSim's slope is (W[k] − W[k]) / 10 = 0.
        var slope = upper == lower ? 0.0 : Slopes[lower];
        return WattsAtTenths[lower] + (slope * (utilization - Tenths[lower]) * 100);
    }

    /// <summary><see cref="Watts"/> with the utilisation clamped to [0, 1].</summary>
    public double ClampedWatts(double utilization) =>
        utilization <= 0 ? WattsAtTenths[0] : utilization >= 1 ? WattsAtTenths[10] : Watts(utilization);

    /// <summary>See <see cref="Vectors"/>.</summary>
    internal sealed record TableVectors(
        Vector512<double> WattsLow,
        Vector512<double> WattsHigh,
        Vector512<double> SlopesLow,
        Vector512<double> SlopesHigh,
        Vector512<double> TenthsLow,
        Vector512<double> TenthsHigh);
}
