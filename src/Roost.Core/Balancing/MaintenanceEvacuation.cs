using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>
/// Empties hosts in maintenance: every VM on one that is not migrating and not <see cref="EvacuationVm.Busy"/> goes, in
/// id order, to the open host with the lowest Sandpiper volume that holds its footprint (current CPU and network use,
/// max(memory use, memory allocation)) under the hotspot threshold, counting VMs already sent there and VMs migrating
/// to it; a VM no host holds stays (a later step tries again).
/// </summary>
public static class MaintenanceEvacuation
{
    public static IReadOnlyList<SandpiperAction.Migrate> Plan(IReadOnlyList<EvacuationHost> hosts, IReadOnlyList<EvacuationVm> vms, double threshold)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);

        var draining = hosts.Where(h => h.Maintenance).Select(h => h.Host.Id).ToHashSet();
        if (draining.Count == 0)
        {
            return [];
        }

        var leaving = vms.Where(v => draining.Contains(v.Host) && v.MigratingTo is null && !v.Busy).OrderBy(v => v.Vm.Value).ToList();
        if (leaving.Count == 0)
        {
            return [];
        }

        var load = hosts.ToDictionary(h => h.Host.Id, _ => ResourceVector.Zero);
        foreach (var vm in vms)
        {
            var at = vm.MigratingTo ?? vm.Host;
            if (load.ContainsKey(at))
            {
                load[at] += vm.Footprint;
            }
        }

        var moves = new List<SandpiperAction.Migrate>();
        foreach (var vm in leaving)
        {
            var target = hosts
                .Where(h => !h.Maintenance && (load[h.Host.Id] + vm.Footprint).FitsWithin(h.Host.Capacity * threshold))
                .OrderBy(h => Volume.Of(load[h.Host.Id], h.Host.Capacity))
                .ThenBy(h => h.Host.Id.Value)
                .Select(h => (HostId?)h.Host.Id)
                .FirstOrDefault();
            if (target is { } to)
            {
                load[to] += vm.Footprint;
                moves.Add(new SandpiperAction.Migrate(vm.Vm, vm.Host, to, vm.Allocation, $"{vm.Host} is in maintenance"));
            }
        }

        return moves;
    }
}
