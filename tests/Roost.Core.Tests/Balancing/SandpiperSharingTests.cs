using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Sharing;
using static Roost.Core.Tests.Balancing.PlannerFixtures;

namespace Roost.Core.Tests.Balancing;

/// <summary>Sandpiper's hotspot mitigation with Memory Buddies' sharing view (§5.3).</summary>
public sealed class SandpiperSharingTests
{
    private const int HostMemoryMiB = 4096;

    private static readonly BloomParameters _filter = BloomParameters.ForMemoryMiB(HostMemoryMiB);
    private readonly SandpiperPlanner _planner = new();

    /// <summary>Distinct page hashes numbered [from, from + count).</summary>
    private static ExactFingerprint Pages(int from, int count) =>
        ExactFingerprint.FromPageHashes([.. Enumerable.Range(from, count).Select(i => unchecked((ulong)i * 0x9E3779B97F4A7C15UL))]);

    private static HostSnapshot[] Hosts => [Host(1, memoryMiB: HostMemoryMiB), Host(2, memoryMiB: HostMemoryMiB), Host(3, memoryMiB: HostMemoryMiB)];

    /// <summary>VM 1 (the hottest VM on CPU-hot host 1) shares <paramref name="sharedMiB"/> of its memory with VM 3 on host 3.</summary>
    private static SandpiperSharing Sharing(int sharedMiB)
    {
        var vm1 = Pages(0, 512 * PageHasher.PagesPerMiB);
        var vm2 = Pages(10_000_000, 1000);
        var vm3 = Pages(512 * PageHasher.PagesPerMiB - (sharedMiB * PageHasher.PagesPerMiB), 600 * PageHasher.PagesPerMiB);
        return new SandpiperSharing(
            new Dictionary<VmId, ExactFingerprint> { [new VmId(1)] = vm1, [new VmId(2)] = vm2, [new VmId(3)] = vm3 },
            new Dictionary<HostId, BloomFingerprint>
            {
                [new HostId(1)] = BloomFingerprint.FromExact(vm1, _filter),
                [new HostId(2)] = BloomFingerprint.FromExact(vm2, _filter),
                [new HostId(3)] = BloomFingerprint.FromExact(vm3, _filter),
            },
            new Dictionary<HostId, double>(),
            new Dictionary<VmId, double>());
    }

    [Fact]
    public void HotHost_VmGoesWhereItSharesMost_NotToTheLeastLoadedHost()
    {
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 2.0, memoryMiB: 512), Vm(4, host: 1, cpuNeed: 1.5, memoryMiB: 2048), Vm(2, host: 2, cpuNeed: 0.2, memoryMiB: 1024), Vm(3, host: 3, cpuNeed: 0.5, memoryMiB: 1536)];
        var input = Input(Hosts, vms, hot: 1);

        var oblivious = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(_planner.Plan(input).Actions));
        var buddies = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(_planner.Plan(input with { Sharing = Sharing(sharedMiB: 300) }).Actions));

        Assert.Equal((new VmId(1), new HostId(2)), (oblivious.Vm, oblivious.To));
        Assert.Equal((new VmId(1), new HostId(3)), (buddies.Vm, buddies.To));
        Assert.Contains("shares the most memory (285", buddies.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void HotHost_DestinationFitsOnlyWithSharingCredited_IsChosen()
    {
        // Under the 0.75 ceiling a host holds 3072 MiB: 2700 + 512 does not fit, 2700 + 512 - 0.95 × 400 does.
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 2.0, memoryMiB: 512), Vm(4, host: 1, cpuNeed: 1.5, memoryMiB: 2048), Vm(2, host: 2, cpuNeed: 0.2, memoryMiB: 2800), Vm(3, host: 3, cpuNeed: 0.2, memoryMiB: 2700)];
        var input = Input(Hosts, vms, hot: 1);

        var oblivious = _planner.Plan(input);
        var buddies = _planner.Plan(input with { Sharing = Sharing(sharedMiB: 400) });

        Assert.DoesNotContain(oblivious.Actions, a => a is SandpiperAction.Migrate { To.Value: 3 });
        var migrate = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(buddies.Actions));
        Assert.Equal((new VmId(1), new HostId(3)), (migrate.Vm, migrate.To));
        Assert.Empty(buddies.Unresolved);
    }

    [Fact]
    public void HostSavingBySharing_IsNotOverloaded_UntilItLosesTheSharing()
    {
        // Host 1's VMs need 3300 MiB of memory by allocation (over the 3072 MiB ceiling) and one needs more than its
        // allocation; sharing saves 600 MiB, so the host still holds them and the VM is resized in place.
        List<VmAssessment> vms = [Vm(1, host: 1, cpuNeed: 0.5, memoryMiB: 1650, memoryNeed: 1700), Vm(2, host: 1, cpuNeed: 0.5, memoryMiB: 1600)];
        var input = Input(Hosts, vms);
        var sharing = Sharing(sharedMiB: 0) with { HostSharedMiB = new Dictionary<HostId, double> { [new HostId(1)] = 600 } };

        var withSharing = _planner.Plan(input with { Sharing = sharing });
        var lostSharing = _planner.Plan(input with { Sharing = sharing with { HostSharedMiB = new Dictionary<HostId, double>() } });

        Assert.IsType<SandpiperAction.Resize>(Assert.Single(withSharing.Actions));
        Assert.Contains(lostSharing.Actions, a => a is SandpiperAction.Migrate);
    }
}
