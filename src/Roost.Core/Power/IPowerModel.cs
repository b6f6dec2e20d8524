namespace Roost.Core.Power;

/// <summary>
/// Maps a host's CPU utilisation (0..1) to its electrical power draw in watts.
/// Implementations are immutable and thread-safe.
/// </summary>
public interface IPowerModel
{
    /// <summary>Short name used in reports, e.g. "HP ProLiant ML110 G4".</summary>
    string Name { get; }

    /// <summary>Power in watts at <paramref name="utilization"/>, which must lie in [0, 1].</summary>
    double PowerWatts(double utilization);
}
