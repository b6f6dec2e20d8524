namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// What an overload detector sees of one host: its CPU utilisation history (fractions of host capacity, most recent
/// first, trailing zeros trimmed, at most 30 values as in CloudSim), the utilisation its VMs request now, and how long
/// its largest VM would take to migrate away.
/// </summary>
public readonly ref struct HostLoad
{
    public HostLoad(ReadOnlySpan<double> history, double requestedUtilization, double maxVmMigrationSeconds)
    {
        History = history;
        RequestedUtilization = requestedUtilization;
        MaxVmMigrationSeconds = maxVmMigrationSeconds;
    }

    public ReadOnlySpan<double> History { get; }

    public double RequestedUtilization { get; }

    public double MaxVmMigrationSeconds { get; }
}
