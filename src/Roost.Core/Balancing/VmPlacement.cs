using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>Where a new VM goes: the initial placement policies of the simulators and the controller.</summary>
public static class VmPlacement
{
    /// <summary>
    /// First fit: the lowest host index whose <paramref name="committed"/> allocations plus <paramref name="allocation"/>
    /// stay within its <paramref name="limits"/> (capacity, or capacity with CPU oversubscribed), or -1.
    /// </summary>
    public static int FirstFit(ReadOnlySpan<ResourceVector> committed, ReadOnlySpan<ResourceVector> limits, ResourceVector allocation)
    {
        for (var h = 0; h < committed.Length; h++)
        {
            if ((committed[h] + allocation).FitsWithin(limits[h]))
            {
                return h;
            }
        }

        return -1;
    }

    /// <summary>
    /// The controller's placement: the <paramref name="requested"/> host if it can take the VM, else the host with the
    /// most free memory that can (ties by id); null when none can. A host can take it when it is open and its committed
    /// allocations plus the VM's stay within its limit.
    /// </summary>
    public static HostId? MostFreeMemory(ResourceVector allocation, HostId? requested, IReadOnlyList<PlacementHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (requested is { } wanted)
        {
            return Requested(allocation, wanted, hosts);
        }

        return hosts.Where(h => Fits(h, allocation))
            .OrderByDescending(h => h.Limit.MemoryMiB - h.Committed.MemoryMiB)
            .ThenBy(h => h.Id.Value)
            .Select(h => (HostId?)h.Id)
            .FirstOrDefault();
    }

    /// <summary>
    /// First fit over hosts: the <paramref name="requested"/> host if it can take the VM, else the lowest host id that
    /// can; null when none can (as <see cref="MostFreeMemory"/>, allocations at face value).
    /// </summary>
    public static HostId? LowestFitting(ResourceVector allocation, HostId? requested, IReadOnlyList<PlacementHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (requested is { } wanted)
        {
            return Requested(allocation, wanted, hosts);
        }

        return hosts.Where(h => Fits(h, allocation)).OrderBy(h => h.Id.Value).Select(h => (HostId?)h.Id).FirstOrDefault();
    }

    private static bool Fits(PlacementHost h, ResourceVector allocation) => h.Open && (h.Committed + allocation).FitsWithin(h.Limit);

    private static HostId? Requested(ResourceVector allocation, HostId wanted, IReadOnlyList<PlacementHost> hosts) =>
        hosts.FirstOrDefault(h => h.Id == wanted) is { } host && Fits(host, allocation) ? wanted : null;
}
