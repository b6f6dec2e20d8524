using Roost.Core.Sharing;
using Roost.Simulation.Sharing;

namespace Roost.Simulation.Tests.Sharing;

public sealed class MeasuredProfilesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"roost-profiles-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public MeasuredProfilesTests() => Directory.CreateDirectory(_directory);

    [Fact]
    public void BuiltIn_HasFourProfilesOfEightGuests_WithSharedContent()
    {
        var profiles = MeasuredProfiles.BuiltIn();

        Assert.Equal(["database", "kernel-b", "minimal", "python"], profiles.Profiles.Select(p => p.Name));
        Assert.All(profiles.Profiles, p => Assert.Equal(8, p.Content.Count));
        Assert.Equal(5, profiles.Sampling.Shift);
        // Guests of one profile share most of their non-zero pages (kernel, programs, data built the same way); about a
        // third of each guest's pages are its own (page tables, slab, freed but unzeroed pages, random state).
        Assert.All(profiles.Profiles, p => Assert.All(p.Content.Zip(p.OwnPages), g => Assert.True(g.First.Count > g.Second, $"{p.Name}: {g.First.Count} shared vs {g.Second} own")));
    }

    [Fact]
    public void TryLoad_CorruptFile_IsRefusedNamingTheFile()
    {
        var good = FingerprintFile.Write(ExactFingerprint.FromPageHashes([32, 64, 96], 0, new HashSampling(5)));
        File.WriteAllBytes(Path.Combine(_directory, "web-1.rsfp"), good);
        var corrupt = (byte[])good.Clone();
        corrupt[40] ^= 1;
        File.WriteAllBytes(Path.Combine(_directory, "web-2.rsfp"), corrupt);

        Assert.False(MeasuredProfiles.TryLoad(_directory, out _, out var error));

        Assert.StartsWith($"{_directory}/web-2.rsfp: corrupt: checksum", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_ProfileWithOneGuest_IsRefused()
    {
        File.WriteAllBytes(Path.Combine(_directory, "web-1.rsfp"), FingerprintFile.Write(ExactFingerprint.FromPageHashes([32, 64], 0, new HashSampling(5))));

        Assert.False(MeasuredProfiles.TryLoad(_directory, out _, out var error));

        Assert.Contains("profile 'web' has one guest", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryLoad_MissingDirectory_IsRefused()
    {
        Assert.False(MeasuredProfiles.TryLoad(Path.Combine(_directory, "nope"), out _, out var error));

        Assert.EndsWith("nope: no such directory", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
