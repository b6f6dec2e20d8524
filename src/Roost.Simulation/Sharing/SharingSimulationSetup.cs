namespace Roost.Simulation.Sharing;

/// <summary>
/// A data center for the sharing model: <see cref="Hosts"/> hosts of <see cref="HostMemoryMiB"/> each (CPU and
/// network are not the bottleneck here), and a stream of VMs of the measured profiles arriving one at a time.
/// </summary>
/// <param name="Hosts">Number of hosts.</param>
/// <param name="HostMemoryMiB">Memory of each host.</param>
/// <param name="VmMemoryMiB">VM sizes, drawn uniformly per VM.</param>
/// <param name="PrivateFraction">
/// Range of the fraction of a VM's memory beyond the measured 128 MiB guest that holds private data (pages no other VM
/// has), drawn uniformly per VM; the rest of that memory is untouched (zero pages, never credited).
/// </param>
/// <param name="Seed">Seed of the VM stream (profiles, guests, sizes, private pages).</param>
/// <param name="SamplingShift">Fingerprints keep one page hash in 2^shift (at least the measured files' own shift).</param>
/// <param name="BitsPerSampledPage">Bloom filter bits per sampled page of host memory, for the Bloom estimates.</param>
/// <param name="ArrivalFactor">VMs offered, as a multiple of what the hosts hold at the mean VM size without sharing.</param>
public sealed record SharingSimulationSetup(
    int Hosts,
    int HostMemoryMiB,
    IReadOnlyList<int> VmMemoryMiB,
    (double Min, double Max) PrivateFraction,
    int Seed,
    int SamplingShift = 6,
    double BitsPerSampledPage = 1,
    double ArrivalFactor = 1.5)
{
    public static SharingSimulationSetup Default(int hosts, int seed) => new(hosts, 16_384, [256, 512, 1024], (0.1, 0.5), seed);

    /// <summary>How many VMs arrive.</summary>
    public int Arrivals => (int)Math.Ceiling(ArrivalFactor * Hosts * (double)HostMemoryMiB / VmMemoryMiB.Average());

    /// <summary>Null when the setup is valid, else one line naming the bad value.</summary>
    public string? Validate()
    {
        if (Hosts < 1)
        {
            return $"hosts {Hosts} must be at least 1";
        }

        if (HostMemoryMiB < 128)
        {
            return $"host memory {HostMemoryMiB} MiB must be at least 128 MiB";
        }

        if (VmMemoryMiB.Count == 0 || VmMemoryMiB.Any(m => m < MeasuredProfiles.GuestMemoryMiB || m > HostMemoryMiB))
        {
            return $"VM sizes {string.Join(",", VmMemoryMiB)} MiB must lie from {MeasuredProfiles.GuestMemoryMiB} MiB (the measured guests) to the host memory";
        }

        if (!(PrivateFraction.Min >= 0 && PrivateFraction.Min <= PrivateFraction.Max && PrivateFraction.Max <= 1))
        {
            return $"private fraction {PrivateFraction.Min}-{PrivateFraction.Max} must be a range within [0, 1]";
        }

        return SamplingShift is < 0 or > Core.Sharing.HashSampling.MaxShift ? $"sampling shift {SamplingShift} is out of range" : null;
    }
}
