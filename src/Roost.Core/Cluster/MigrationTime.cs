using Roost.Core.Model;

namespace Roost.Core.Cluster;

/// <summary>
/// How long a live migration takes in the <see cref="ClusterModel"/>: the VM's memory, MiB × 8.388608 Mbit/MiB, copied
/// once over the bandwidth the migration gets, which is <see cref="LinkShare"/> of a link of <see cref="LinkMbps"/>
/// Mbit/s, or of the destination's NIC when that is null. One formula for every world that steps the model; what differs
/// is only the link (a scenario names its migration bandwidth; the data center and the controller's simulation give a
/// migration half the destination's NIC, CloudSim's assumption).
/// </summary>
public sealed record MigrationTime(double LinkShare, double? LinkMbps = null)
{
    /// <summary>Megabits in a mebibyte: 8 × 1,048,576 / 1,000,000.</summary>
    public const double MegabitsPerMiB = 8.388608;

    /// <summary>Half of the destination's NIC (CloudSim's share of the link for a migration).</summary>
    public static MigrationTime HalfDestinationLink { get; } = new(0.5);

    /// <summary>The whole of a dedicated link of <paramref name="mbps"/> Mbit/s.</summary>
    public static MigrationTime OverLink(double mbps) => new(1, mbps);

    /// <summary>Seconds to copy <paramref name="memoryMiB"/> to a host of <paramref name="destinationCapacity"/>.</summary>
    public double Seconds(double memoryMiB, ResourceVector destinationCapacity) =>
        memoryMiB * MegabitsPerMiB / ((LinkMbps ?? destinationCapacity.NetworkMbps) * LinkShare);
}
