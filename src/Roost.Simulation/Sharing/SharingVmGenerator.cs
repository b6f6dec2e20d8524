using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Simulation.Sharing;

/// <summary>
/// Simulated VMs built from measured guests: each VM picks a profile and one of its measured guests, keeps that
/// guest's profile content (the pages other guests of the profile also hold), and adds private pages: as many as the
/// guest had of its own, plus private data filling a drawn fraction of the memory beyond the measured 128 MiB. Hashes
/// are generated in the sampled space (one in 2^shift, low bits cleared), so memory costs what sampled fingerprints
/// cost. Equal seeds give equal VMs.
/// </summary>
public sealed class SharingVmGenerator
{
    private readonly MeasuredProfiles _profiles;
    private readonly SharingSimulationSetup _setup;
    private readonly Random _random;
    private readonly HashSampling _sampling;
    private readonly ExactFingerprint[][] _content;
    private int _next;

    public SharingVmGenerator(MeasuredProfiles profiles, SharingSimulationSetup setup)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        ArgumentNullException.ThrowIfNull(setup);
        if (setup.SamplingShift < profiles.Sampling.Shift)
        {
            throw new ArgumentException($"sampling shift {setup.SamplingShift} is finer than the measured fingerprints' ({profiles.Sampling.Shift})", nameof(setup));
        }

        _profiles = profiles;
        _setup = setup;
        _random = new Random(setup.Seed);
        _sampling = new HashSampling(setup.SamplingShift);
        _content = [.. profiles.Profiles.Select(p => p.Content.Select(c => ExactFingerprint.FromPageHashes(c.Hashes, 0, _sampling)).ToArray())];
    }

    public HashSampling Sampling => _sampling;

    /// <summary>The next VM and the profile it was drawn from.</summary>
    public (SharingVm Vm, string Profile) Next()
    {
        var profile = _random.Next(_profiles.Profiles.Count);
        var guest = _random.Next(_content[profile].Length);
        var memoryMiB = _setup.VmMemoryMiB[_random.Next(_setup.VmMemoryMiB.Count)];
        var fraction = _setup.PrivateFraction.Min + (_random.NextDouble() * (_setup.PrivateFraction.Max - _setup.PrivateFraction.Min));

        var ownPages = (long)_profiles.Profiles[profile].OwnPages[guest] * _profiles.Sampling.Scale;
        var dataPages = (long)(fraction * (memoryMiB - MeasuredProfiles.GuestMemoryMiB) * PageHasher.PagesPerMiB);
        var privateSampled = (int)((ownPages + dataPages) / _sampling.Scale);
        var content = _content[profile][guest];
        var hashes = new ulong[content.Count + privateSampled];
        content.Hashes.CopyTo(hashes);
        var mask = ~((1UL << _sampling.Shift) - 1);
        for (var i = content.Count; i < hashes.Length; i++)
        {
            hashes[i] = unchecked((ulong)_random.NextInt64() * 0x9E3779B97F4A7C15UL) & mask;
        }

        var id = new VmId(++_next);
        var vm = new SharingVm(id, 1, 0, (long)memoryMiB * PageHasher.PagesPerMiB, ExactFingerprint.FromPageHashes(hashes, 0, _sampling));
        return (vm, _profiles.Profiles[profile].Name);
    }
}
