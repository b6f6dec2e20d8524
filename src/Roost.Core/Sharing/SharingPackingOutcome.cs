namespace Roost.Core.Sharing;

/// <summary>
/// What <see cref="SharingPacking.Pack"/> did with one policy: how many VMs it placed, the hosts afterwards, and each
/// host's memory in use computed exactly from its VMs' page lists (same order as <see cref="Hosts"/>).
/// </summary>
public sealed record SharingPackingOutcome(string Policy, int PlacedVms, IReadOnlyList<SharingHost> Hosts, IReadOnlyList<long> ExactUsedPages)
{
    /// <summary>Hosts whose exact memory in use exceeds their memory: what an estimate's error would cost.</summary>
    public int OvercommittedHosts => Hosts.Where((h, i) => ExactUsedPages[i] > h.MemoryPages).Count();

    /// <summary>Pages saved by sharing over all hosts: allocated memory less exact memory in use.</summary>
    public long SharedPages => Hosts.Sum(h => h.AllocatedMemoryPages) - ExactUsedPages.Sum();
}
