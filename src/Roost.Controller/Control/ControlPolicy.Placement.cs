using System.Globalization;
using Roost.Controller.Drivers;
using Roost.Controller.Store;
using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Controller.Control;

/// <summary>Starting and stopping the VMs the API asked for; where a new VM goes (<see cref="PlacementPolicy"/>).</summary>
internal static partial class ControlPolicy
{
    /// <summary>
    /// Memory Buddies' placement over the agents' fingerprints: exact lists (the driver holds whole fingerprints), and
    /// 95 % of the estimated sharing credited, a margin for content that changed since the fingerprint was read.
    /// </summary>
    internal static readonly SharingPlacementOptions SharingOptions = new(SharingEstimateKind.ListList, 0.95);

    /// <summary>Stops the VMs the API asked to stop; places the ones it created by <paramref name="policy"/>, in id order.</summary>
    private static void RunVmRequests(ControlSnapshot snapshot, PlacementPolicy policy, Dictionary<VmId, VmObservation> seen, List<ControlCommand> commands)
    {
        foreach (var vm in snapshot.Vms.Where(v => v.State == VmState.Stopping))
        {
            commands.Add(new ControlCommand.StopVm(vm, seen.Remove(vm.Id)));
        }

        var pending = snapshot.Vms.Where(v => v.State == VmState.Pending).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        // Memory is what limits placement; CPU may be oversubscribed (StoredHost.PlacementCapacity).
        var committed = snapshot.Hosts.ToDictionary(h => h.Id, _ => ResourceVector.Zero);
        var residents = snapshot.Hosts.ToDictionary(h => h.Id, _ => new List<SharingVm>());
        var prints = snapshot.Observation.Fingerprints;
        foreach (var vm in snapshot.Vms.Where(v => v.State is VmState.Running or VmState.Stopping))
        {
            if (vm.Host is { } h && committed.ContainsKey(h))
            {
                committed[h] += vm.Allocation;
                residents[h].Add(SharingVmOf(vm, prints));
            }
        }

        foreach (var vm in pending)
        {
            var (target, why) = policy switch
            {
                PlacementPolicy.Sharing => PlaceBySharing(vm, snapshot.Hosts, committed, residents, prints),
                PlacementPolicy.FirstFit => (VmPlacement.LowestFitting(vm.Allocation, vm.RequestedHost, PlacementHosts(snapshot.Hosts, committed)), "first fit"),
                _ => (VmPlacement.MostFreeMemory(vm.Allocation, vm.RequestedHost, PlacementHosts(snapshot.Hosts, committed)), ""),
            };
            if (target is not { } host)
            {
                var reason = policy == PlacementPolicy.Sharing ? $"even with the pages it would share, no host holds {vm.Allocation}" : $"no host holds {vm.Allocation}";
                commands.Add(new ControlCommand.FailVm(vm, $"{vm.Id} ({vm.Name}) could not be placed: {reason}"));
                continue;
            }

            committed[host] += vm.Allocation;
            residents[host].Add(SharingVmOf(vm, prints));
            commands.Add(new ControlCommand.StartVm(vm, host, vm.RequestedHost is null ? why : "the host asked for"));
        }
    }

    private static List<PlacementHost> PlacementHosts(IReadOnlyList<StoredHost> hosts, Dictionary<HostId, ResourceVector> committed) =>
        [.. hosts.Select(h => new PlacementHost(h.Id, h.PlacementCapacity, committed[h.Id], !h.Maintenance))];

    /// <summary>
    /// Memory Buddies' initial placement (<see cref="SharingAwarePlacement"/>): each open host as its running VMs with
    /// their fingerprints (a VM's own, else its image's; none: it shares nothing) and its memory in use with their
    /// sharing in effect; the VM goes where it shares the most and fits with its memory charged less the shared pages.
    /// Without any fingerprint this is first fit.
    /// </summary>
    private static (HostId? Host, string Why) PlaceBySharing(
        StoredVm vm, IReadOnlyList<StoredHost> hosts, Dictionary<HostId, ResourceVector> committed, Dictionary<HostId, List<SharingVm>> residents, GuestFingerprints prints)
    {
        var candidates = hosts
            .Where(h => !h.Maintenance && (vm.RequestedHost is null || h.Id == vm.RequestedHost))
            .Where(h => (committed[h.Id] + vm.Allocation).CpuCores <= h.PlacementCapacity.CpuCores + 1e-9)
            .Select(h => SharingHost.WithExactUsage(h.Id, h.PlacementCapacity.CpuCores, h.PlacementCapacity.NetworkMbps, Pages(h.Capacity.MemoryMiB), residents[h.Id]))
            .OrderBy(h => h.Id.Value)
            .ToList();
        var sharing = SharingVmOf(vm, prints);
        return new SharingAwarePlacement(SharingOptions).Place(sharing, candidates) switch
        {
            SharingPlacementResult.Placed placed => (placed.Host, string.Create(
                CultureInfo.InvariantCulture,
                $"sharing: an estimated {placed.EstimatedSharedPages:0} pages ({placed.EstimatedSharedPages / PageHasher.PagesPerMiB:0.0} MiB) shared with its VMs{(sharing.Pages.Count == 0 ? "; no fingerprint of this VM or its image yet" : "")}")),
            _ => (null, ""),
        };
    }

    private static SharingVm SharingVmOf(StoredVm vm, GuestFingerprints prints) =>
        new(vm.Id, vm.Allocation.CpuCores, vm.Allocation.NetworkMbps, Pages(vm.Allocation.MemoryMiB), prints.For(vm.Id, vm.Image) ?? ExactFingerprint.Empty());

    private static long Pages(double memoryMiB) => (long)Math.Ceiling(memoryMiB * PageHasher.PagesPerMiB - 1e-9);
}
