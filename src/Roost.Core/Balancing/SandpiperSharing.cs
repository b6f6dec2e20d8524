using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Core.Balancing;

/// <summary>
/// Memory Buddies' view for Sandpiper's hotspot mitigation (Wood et al., VEE 2009, §5.3): with it, memory is accounted
/// with content sharing in effect, and a VM leaving a hot host goes where it shares the most.
/// </summary>
/// <param name="VmPages">Each VM's fingerprint (distinct non-zero page hashes); a VM without one shares nothing.</param>
/// <param name="HostFilters">Each host's Bloom fingerprint (union of its VMs'); a host without one shares nothing.</param>
/// <param name="HostSharedMiB">
/// Memory each host saves now through sharing (hypervisor-reported, or Σ VM memory − exact footprint): subtracted from
/// its memory load. A host that loses sharing (its VMs diverge) sees this fall, its load rise and, once it swaps,
/// monitoring flags it hot.
/// </param>
/// <param name="VmSharedMiB">
/// Memory each VM shares with the other VMs of its current host; a VM leaving frees its footprint less this. Missing:
/// 0 (it frees its whole footprint).
/// </param>
/// <param name="Credit">Fraction of an estimate trusted, in (0, 1] (as <see cref="SharingPlacementOptions.SharingCredit"/>).</param>
public sealed record SandpiperSharing(
    IReadOnlyDictionary<VmId, ExactFingerprint> VmPages,
    IReadOnlyDictionary<HostId, BloomFingerprint> HostFilters,
    IReadOnlyDictionary<HostId, double> HostSharedMiB,
    IReadOnlyDictionary<VmId, double> VmSharedMiB,
    double Credit = 0.95)
{
    /// <summary>Credited memory (MiB) <paramref name="vm"/> would share on <paramref name="host"/> (list ∩ Bloom).</summary>
    public double CreditedSharedMiB(VmId vm, HostId host) =>
        VmPages.TryGetValue(vm, out var pages) && HostFilters.TryGetValue(host, out var filter)
            ? Credit * SharingEstimator.ListBloom(pages, filter) / PageHasher.PagesPerMiB
            : 0;
}
