using Roost.Core.Model;

namespace Roost.Core.Sharing;

/// <summary>
/// A physical host as the sharing planners see it: capacities, resident VMs, memory in use with sharing in effect,
/// and the host's fingerprint (the union of its VMs': list merge and, when Bloom estimates are used, filter OR).
/// Immutable: <see cref="WithVm"/> returns the host after a placement. <see cref="UsedMemoryPages"/> is memory in use
/// with content sharing in effect: what the hypervisor reports or, in a plan, the sum of each VM's memory less the
/// sharing credited when it was placed. Capacities and usage in cores, Mbit/s and 4 KiB pages.
/// </summary>
public sealed record SharingHost(
    HostId Id,
    double CpuCores,
    double NetworkMbps,
    long MemoryPages,
    IReadOnlyList<SharingVm> Vms,
    long UsedMemoryPages,
    ExactFingerprint Pages,
    BloomFingerprint? Filter)
{
    // Sums over Vms, cached against the list they were computed from (a `with` that replaces Vms recomputes them).
    // The planners read them for every host on every placement.
    private VmTotals? _totals;

    public double UsedCpuCores => Totals.CpuCores;

    public double UsedNetworkMbps => Totals.NetworkMbps;

    /// <summary>Memory given to the VMs, ignoring sharing: what a sharing-oblivious policy accounts.</summary>
    public long AllocatedMemoryPages => Totals.MemoryPages;

    private VmTotals Totals
    {
        get
        {
            var totals = _totals;
            if (totals is null || !ReferenceEquals(totals.Vms, Vms))
            {
                totals = new VmTotals(Vms, Vms.Sum(vm => vm.CpuCores), Vms.Sum(vm => vm.NetworkMbps), Vms.Sum(vm => vm.MemoryPages));
                _totals = totals;
            }

            return totals;
        }
    }

    public long FreeMemoryPages => MemoryPages - UsedMemoryPages;

    /// <summary>A host with no VMs. Pass <paramref name="bloom"/> to keep a Bloom union for Bloom estimates.</summary>
    public static SharingHost Empty(HostId id, double cpuCores, double networkMbps, long memoryPages, HashSampling sampling = default, BloomParameters? bloom = null) =>
        new(id, cpuCores, networkMbps, memoryPages, [], 0, ExactFingerprint.Empty(sampling), bloom is { } p ? BloomFingerprint.Empty(p, sampling) : null);

    /// <summary>A host holding <paramref name="vms"/>, its used memory computed exactly from their fingerprints.</summary>
    public static SharingHost WithExactUsage(HostId id, double cpuCores, double networkMbps, long memoryPages, IReadOnlyList<SharingVm> vms, HashSampling sampling = default, BloomParameters? bloom = null)
    {
        ArgumentNullException.ThrowIfNull(vms);
        var pages = ExactFingerprint.Union([.. vms.Select(vm => vm.Pages)], sampling);
        var filter = bloom is { } p ? BloomFingerprint.Union([.. vms.Select(vm => vm.Filter ?? BloomFingerprint.FromExact(vm.Pages, p))], p, sampling) : null;
        return new SharingHost(id, cpuCores, networkMbps, memoryPages, [.. vms], SharingFootprint.ExactUsedPages(vms), pages, filter);
    }

    /// <summary>True if the VM's CPU and network demands fit beside the resident VMs.</summary>
    public bool FitsCpuAndNetwork(SharingVm vm)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return UsedCpuCores + vm.CpuCores <= CpuCores && UsedNetworkMbps + vm.NetworkMbps <= NetworkMbps;
    }

    /// <summary>The host after placing <paramref name="vm"/>, charged <paramref name="chargedPages"/> of memory.</summary>
    public SharingHost WithVm(SharingVm vm, long chargedPages)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentOutOfRangeException.ThrowIfNegative(chargedPages);
        var filter = Filter is null ? null : Filter.UnionWith(vm.Filter ?? BloomFingerprint.FromExact(vm.Pages, Filter.Parameters));
        return this with
        {
            Vms = [.. Vms, vm],
            UsedMemoryPages = checked(UsedMemoryPages + chargedPages),
            Pages = Pages.UnionWith(vm.Pages),
            Filter = filter,
        };
    }

    /// <summary>The host with every VM gone (after a whole-host evacuation): fingerprints reset, nothing to delete.</summary>
    public SharingHost Emptied() => this with
    {
        Vms = [],
        UsedMemoryPages = 0,
        Pages = ExactFingerprint.Empty(Pages.Sampling),
        Filter = Filter is null ? null : BloomFingerprint.Empty(Filter.Parameters, Filter.Sampling),
    };

    private sealed record VmTotals(IReadOnlyList<SharingVm> Vms, double CpuCores, double NetworkMbps, long MemoryPages);
}
