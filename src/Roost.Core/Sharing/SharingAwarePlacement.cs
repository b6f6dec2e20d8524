namespace Roost.Core.Sharing;

/// <summary>
/// Memory Buddies' initial placement (§5.1): among hosts with enough CPU, network and effective memory (free memory
/// plus the pages the VM would share there), the one where the VM shares the most; ties to the lowest host id.
/// </summary>
public sealed class SharingAwarePlacement : ISharingPlacementPolicy
{
    private readonly SharingPlacementOptions _options;

    public SharingAwarePlacement(SharingPlacementOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.SharingCredit is > 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.SharingCredit, "Sharing credit must lie in (0, 1].");
        }

        _options = options;
    }

    public string Name => $"sharing-{_options.Estimate}";

    public SharingPlacementResult Place(SharingVm vm, IReadOnlyList<SharingHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(hosts);
        return Place(vm, hosts, (_, host) => Estimate(vm, host));
    }

    /// <summary>
    /// <see cref="Place(SharingVm, IReadOnlyList{SharingHost})"/> with the estimate for the host at each index supplied
    /// by the caller (the consolidation planner caches them); called only for hosts that pass <see cref="MightFit"/>.
    /// </summary>
    internal SharingPlacementResult Place(SharingVm vm, IReadOnlyList<SharingHost> hosts, Func<int, SharingHost, double> estimate)
    {
        SharingPlacementResult.Placed? best = null;
        for (var i = 0; i < hosts.Count; i++)
        {
            var host = hosts[i];
            if (!MightFit(vm, host))
            {
                continue;
            }

            var shared = Math.Clamp(estimate(i, host), 0, vm.MaxSharedPages);
            var charged = vm.MemoryPages - (long)Math.Floor(_options.SharingCredit * shared);
            if (charged > host.FreeMemoryPages)
            {
                continue;
            }

            if (best is null || shared > best.EstimatedSharedPages || (shared == best.EstimatedSharedPages && host.Id.Value < best.Host.Value))
            {
                best = new SharingPlacementResult.Placed(host.Id, shared, charged);
            }
        }

        return best is null
            ? new SharingPlacementResult.Rejected($"{vm.Id}: no host has {vm.CpuCores} cores, {vm.NetworkMbps} Mbit/s and enough effective memory for {vm.MemoryPages} pages")
            : best;
    }

    /// <summary>
    /// Cheap rejections before any estimate: CPU and network demands, then memory even if every page of the VM were
    /// shared.
    /// </summary>
    internal bool MightFit(SharingVm vm, SharingHost host) =>
        host.FitsCpuAndNetwork(vm) && vm.MemoryPages - (long)Math.Floor(_options.SharingCredit * vm.MaxSharedPages) <= host.FreeMemoryPages;

    /// <summary>Estimated pages <paramref name="vm"/> shares with what already runs on <paramref name="host"/>.</summary>
    public double Estimate(SharingVm vm, SharingHost host)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(host);
        if (host.Vms.Count == 0)
        {
            return 0;
        }

        return _options.Estimate switch
        {
            SharingEstimateKind.ListList => SharingEstimator.ListList(vm.Pages, host.Pages),
            SharingEstimateKind.ListBloom => SharingEstimator.ListBloom(vm.Pages, RequireFilter(host)),
            SharingEstimateKind.BloomBloom => SharingEstimator.BloomBloom(vm.Filter ?? BloomFingerprint.FromExact(vm.Pages, RequireFilter(host).Parameters), RequireFilter(host)),
            _ => throw new ArgumentOutOfRangeException(nameof(vm), _options.Estimate, "Unknown estimate kind."),
        };
    }

    private static BloomFingerprint RequireFilter(SharingHost host) =>
        host.Filter ?? throw new ArgumentException($"{host.Id} keeps no Bloom fingerprint; create hosts with Bloom parameters for Bloom estimates.", nameof(host));
}
