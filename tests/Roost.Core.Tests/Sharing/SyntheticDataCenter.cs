using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

/// <summary>Seeded VMs and hosts built from <see cref="SyntheticPageSets"/> for the sharing tests.</summary>
internal static class SyntheticDataCenter
{
    /// <summary>VM memory in pages (64 MiB) for the placement properties: small enough to run many trials.</summary>
    public const long VmPages = 16_384;

    public static List<SharingVm> Vms(Random random, int count, int profiles, BloomParameters? bloom = null)
    {
        // Per profile: a 4 Ki-page common base, a 6 Ki-page profile base, 2-5 Ki private pages; 60-95 % of the bases.
        var sets = new SyntheticPageSets(random, profiles, commonPages: 4096, profilePages: 6144);
        var vms = new List<SharingVm>();
        for (var i = 0; i < count; i++)
        {
            var pages = sets.NextVm(random.Next(profiles), 0.6 + (0.35 * random.NextDouble()), random.Next(2048, 5120));
            var memory = pages.Count + random.Next(0, 4096);
            var vm = new SharingVm(new VmId(i), 0.5 + random.Next(0, 4), 10 + random.Next(0, 90), memory, pages);
            vms.Add(bloom is { } p ? vm.WithFilter(p) : vm);
        }

        return vms;
    }

    public static List<SharingHost> Hosts(int count, long memoryPages, BloomParameters? bloom = null) =>
        [.. Enumerable.Range(1, count).Select(i => SharingHost.Empty(new HostId(i), 32, 1000, memoryPages, default, bloom))];

    /// <summary>Places the VMs in order, updating hosts as a controller would; returns how many were placed.</summary>
    public static int PlaceAll(ISharingPlacementPolicy policy, IEnumerable<SharingVm> vms, List<SharingHost> hosts)
    {
        var placedCount = 0;
        foreach (var vm in vms)
        {
            if (policy.Place(vm, hosts) is SharingPlacementResult.Placed placed)
            {
                var index = hosts.FindIndex(h => h.Id == placed.Host);
                hosts[index] = hosts[index].WithVm(vm, placed.ChargedMemoryPages);
                placedCount++;
            }
        }

        return placedCount;
    }
}
