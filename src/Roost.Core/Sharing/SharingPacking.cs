namespace Roost.Core.Sharing;

/// <summary>
/// The capacity experiment of Memory Buddies (§6.2): VMs arrive in a fixed order and a placement policy puts each on
/// one of a fixed set of hosts, or rejects it; a rejected VM is skipped and the next one tried. The outcome is checked
/// with the exact sharing of each host's final VM set (<see cref="SharingFootprint.ExactUsedPages"/>), whatever the
/// policy estimated while placing.
/// </summary>
public static class SharingPacking
{
    public static SharingPackingOutcome Pack(IReadOnlyList<SharingVm> arrivals, IReadOnlyList<SharingHost> hosts, ISharingPlacementPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(arrivals);
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(policy);
        var current = hosts.ToList();
        var placed = 0;
        foreach (var vm in arrivals)
        {
            if (policy.Place(vm, current) is SharingPlacementResult.Placed p)
            {
                var index = current.FindIndex(h => h.Id == p.Host);
                current[index] = current[index].WithVm(vm, p.ChargedMemoryPages);
                placed++;
            }
        }

        var exactUsed = current.Select(h => SharingFootprint.ExactUsedPages(h.Vms)).ToArray();
        return new SharingPackingOutcome(policy.Name, placed, current, exactUsed);
    }
}
