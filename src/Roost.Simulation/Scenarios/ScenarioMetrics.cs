namespace Roost.Simulation.Scenarios;

/// <summary>
/// Sandpiper's figures of merit for one run. Overload host-seconds count whole seconds a host was overloaded in truth.
/// A hotspot is detected when a host becomes flagged (monitoring finds it hot, or one of its VMs needs more than
/// its allocation) after a step where it was not. A swap's migrations count as migrations. Time to relief is over
/// the episodes that ended; <see cref="UnrelievedEpisodes"/> counts those still open at the end.
/// </summary>
public sealed record ScenarioMetrics(
    int OverloadHostSeconds,
    int HotspotsDetected,
    int Migrations,
    int Swaps,
    int Resizes,
    double? MeanSecondsToRelief,
    int? MaxSecondsToRelief,
    int UnrelievedEpisodes)
{
    public double MigrationsPerHotspot => HotspotsDetected == 0 ? 0 : (double)Migrations / HotspotsDetected;
}
