namespace Roost.Simulation.Sharing;

/// <summary>
/// One policy's run of the sharing model: VMs placed out of those offered, hosts in use, and memory allocated and
/// actually used (exact sharing of each host's final VM set, from the sampled lists), in MiB.
/// </summary>
public sealed record SharingSimulationResult(
    string Policy,
    int Offered,
    int Placed,
    int ActiveHosts,
    double AllocatedMiB,
    double ExactUsedMiB,
    int OvercommittedHosts,
    IReadOnlyDictionary<string, int> PlacedByProfile)
{
    public double SavedMiB => AllocatedMiB - ExactUsedMiB;
}
