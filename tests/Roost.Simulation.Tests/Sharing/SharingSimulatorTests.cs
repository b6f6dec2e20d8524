using Roost.Simulation.Sharing;

namespace Roost.Simulation.Tests.Sharing;

public sealed class SharingSimulatorTests
{
    private static readonly MeasuredProfiles _profiles = MeasuredProfiles.BuiltIn();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void MemoryBuddies_PlacesMoreVmsThanFirstFit_AndNeverOvercommitsExactly(int seed)
    {
        var setup = SharingSimulationSetup.Default(hosts: 8, seed) with { HostMemoryMiB = 4096, VmMemoryMiB = [128, 256] };

        var results = SharingPolicies.Names.Select(n => SharingSimulator.Run(_profiles, setup, Parse(n))).ToList();

        var firstFit = results[0];
        Assert.All(results.Skip(1), r => Assert.True(r.Placed > firstFit.Placed, $"seed {seed}: {r.Policy} placed {r.Placed}, first fit {firstFit.Placed}"));
        Assert.All(results, r => Assert.True(r.OvercommittedHosts == 0, $"seed {seed}: {r.Policy} overcommitted {r.OvercommittedHosts} hosts"));
        Assert.All(results, r => Assert.True(r.ExactUsedMiB <= r.AllocatedMiB, $"seed {seed}: {r.Policy} uses more than it allocated"));
    }

    [Fact]
    public void Run_SameSeed_GivesTheSameResult()
    {
        var setup = SharingSimulationSetup.Default(hosts: 4, seed: 7) with { HostMemoryMiB = 2048 };

        var a = SharingSimulator.Run(_profiles, setup, Parse("memory-buddies"));
        var b = SharingSimulator.Run(_profiles, setup, Parse("memory-buddies"));

        Assert.Equal((a.Placed, a.ActiveHosts, a.ExactUsedMiB), (b.Placed, b.ActiveHosts, b.ExactUsedMiB));
        Assert.Equal(a.PlacedByProfile.ToArray(), b.PlacedByProfile.ToArray());
    }

    [Fact]
    public void Generator_VmOfMeasuredSize_HasItsGuestsDistinctPageCount()
    {
        var setup = SharingSimulationSetup.Default(hosts: 1, seed: 3) with { VmMemoryMiB = [MeasuredProfiles.GuestMemoryMiB], SamplingShift = 5 };
        var generator = new SharingVmGenerator(_profiles, setup);

        var (vm, profile) = generator.Next();

        var measured = _profiles.Profiles.Single(p => p.Name == profile);
        var sizes = measured.Content.Zip(measured.OwnPages, (c, own) => c.Count + own).ToHashSet();
        Assert.Contains(vm.Pages.Count, sizes);
    }

    [Fact]
    public void TryParse_UnknownPolicy_NamesTheChoices()
    {
        Assert.False(SharingPolicies.TryParse("memory-pals", out _, out var error));

        Assert.Equal($"'memory-pals' is not a sharing policy ({SharingPolicies.Usage})", error);
    }

    private static SharingSimulatedPolicy Parse(string name) =>
        SharingPolicies.TryParse(name, out var policy, out var error) ? policy : throw new InvalidOperationException(error);
}
