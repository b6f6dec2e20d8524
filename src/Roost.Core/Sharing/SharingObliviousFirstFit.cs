namespace Roost.Core.Sharing;

/// <summary>
/// The baseline Memory Buddies compares against: the lowest-id host where CPU, network and memory fit with memory
/// accounted as allocated, ignoring any sharing.
/// </summary>
public sealed class SharingObliviousFirstFit : ISharingPlacementPolicy
{
    public string Name => "first-fit";

    public SharingPlacementResult Place(SharingVm vm, IReadOnlyList<SharingHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(hosts);
        SharingHost? chosen = null;
        foreach (var host in hosts)
        {
            if (host.FitsCpuAndNetwork(vm) && host.AllocatedMemoryPages + vm.MemoryPages <= host.MemoryPages
                && (chosen is null || host.Id.Value < chosen.Id.Value))
            {
                chosen = host;
            }
        }

        return chosen is null
            ? new SharingPlacementResult.Rejected($"{vm.Id}: no host has {vm.CpuCores} cores, {vm.NetworkMbps} Mbit/s and {vm.MemoryPages} pages free")
            : new SharingPlacementResult.Placed(chosen.Id, 0, vm.MemoryPages);
    }
}
