using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Simulation.Sharing;

/// <summary>
/// Runs the sharing model: the VM stream of <see cref="SharingVmGenerator"/> offered one VM at a time to a policy
/// over empty hosts (Memory Buddies' capacity experiment at data-center scale). A rejected VM is dropped and the next
/// offered. Every policy sees the same stream for the same seed. Afterwards each host's memory in use is computed
/// exactly from its VMs' sampled page lists, which catches overcommitment caused by estimation error.
/// </summary>
public static class SharingSimulator
{
    public static SharingSimulationResult Run(MeasuredProfiles profiles, SharingSimulationSetup setup, SharingSimulatedPolicy policy, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(policy);
        var generator = new SharingVmGenerator(profiles, setup);
        var estimate = policy.Estimate;
        var memoryPages = (long)setup.HostMemoryMiB * PageHasher.PagesPerMiB;
        BloomParameters? bloom = estimate is SharingEstimateKind.BloomBloom or SharingEstimateKind.ListBloom
            ? BloomParameters.ForMemoryMiB(setup.HostMemoryMiB, generator.Sampling, setup.BitsPerSampledPage)
            : null;
        var hosts = Enumerable.Range(1, setup.Hosts)
            .Select(i => SharingHost.Empty(new HostId(i), double.MaxValue, double.MaxValue, memoryPages, generator.Sampling, bloom))
            .ToList();
        var index = hosts.Select((h, i) => (h.Id, i)).ToDictionary(p => p.Id, p => p.i);
        var placedByProfile = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var placed = 0;
        var offered = setup.Arrivals;
        for (var n = 0; n < offered; n++)
        {
            var (vm, profile) = generator.Next();
            if (estimate == SharingEstimateKind.BloomBloom && bloom is { } parameters)
            {
                vm = vm.WithFilter(parameters);
            }

            if (policy.Policy.Place(vm, hosts) is SharingPlacementResult.Placed p)
            {
                var i = index[p.Host];
                hosts[i] = hosts[i].WithVm(vm, p.ChargedMemoryPages);
                placed++;
                placedByProfile[profile] = placedByProfile.GetValueOrDefault(profile) + 1;
            }

            if (n % 256 == 0)
            {
                progress?.Report((double)n / offered);
            }
        }

        progress?.Report(1);
        var exactUsed = hosts.Select(h => SharingFootprint.ExactUsedPages(h.Vms)).ToList();
        const double PagesPerMiB = PageHasher.PagesPerMiB;
        return new SharingSimulationResult(
            policy.Name,
            offered,
            placed,
            hosts.Count(h => h.Vms.Count > 0),
            hosts.Sum(h => h.AllocatedMemoryPages) / PagesPerMiB,
            exactUsed.Sum() / PagesPerMiB,
            hosts.Where((h, i) => exactUsed[i] > h.MemoryPages).Count(),
            placedByProfile);
    }
}
