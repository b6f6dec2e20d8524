using System.Globalization;
using System.Text;
using Roost.Core.Model;
using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Sharing;

/// <summary>
/// Memory Buddies on real guests. The experiments boot 32 guests of 4 image profiles under QEMU, fingerprint their RAM
/// through the agent and print the capacity and error tables of docs/experiments/memory-buddies.md; they run only when
/// asked for (<see cref="QemuExperimentFactAttribute"/>):
/// <c>ROOST_EXPERIMENT=sharing-real-guests dotnet test tests/Roost.Hypervisor.Tests -c Release --filter RealGuestSharing --logger "console;verbosity=detailed"</c>.
/// Set ROOST_SAVE_FINGERPRINTS=DIR to also write each guest's fingerprint, sampled one page in 32, as DIR/ID.rsfp.
/// The suite keeps one fast test of their claims on two real guests.
/// </summary>
[Collection(QemuTests.Name)]
public sealed class RealGuestSharingTests(QemuFixture fixture, ITestOutputHelper output)
{
    private const int SavedSamplingShift = 5;

    /// <summary>Hosts × memory per host of the capacity table; the first is the one asserted on.</summary>
    private static readonly (int Hosts, int MemoryMiB)[] _configurations = [(2, 1024), (3, 768), (4, 512), (6, 384)];

    /// <summary>
    /// The claims of the two experiments on two real guests of one image: they share pages, list ∩ Bloom is within
    /// ±2 % and Bloom ∩ Bloom within ±5 % of the exact count, and on a host too small for both at face value (by half
    /// their exact sharing), sharing-aware placement fits both where first fit fits one, with no exact overcommit.
    /// </summary>
    [QemuFact]
    public async Task TwoRealGuests_ShareTheirImage_EstimatesWithinBounds_SharingFitsBoth()
    {
        // The fixture's shared guest is one of the two (a boot saved); the other is booted here, and destroyed after.
        var (shared, _) = await fixture.SharedGuestAsync();
        await using var agent = await fixture.StartAgentAsync("share-two", new AgentCapacity(1, 256));
        using var client = new AgentClient(agent.BaseAddress);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        await Agent.AgentTestSteps.BootAsync(client, "vm-2", RealGuestFleet.GuestMemoryMiB);
        var guests = new List<GuestMemoryFingerprint>();
        foreach (var (address, id) in new[] { (shared.BaseAddress, "vm-1"), (agent.BaseAddress, "vm-2") })
        {
            var result = await new GuestFingerprintClient(http).FingerprintAsync(address, QemuFixture.Token, id, HashSampling.None, CancellationToken.None);
            guests.Add(Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value);
        }

        using (var destroyed = await client.DeleteAsync("api/vms/vm-2"))
        {
            Assert.True(destroyed.IsSuccessStatusCode, $"destroying vm-2: {(int)destroyed.StatusCode}");
        }

        var (a, b) = (guests[0].Pages, guests[1].Pages);
        var filter = BloomParameters.ForMemoryMiB(RealGuestFleet.GuestMemoryMiB);
        var exact = SharingEstimator.ListList(a, b);
        var listBloom = SharingEstimator.ListBloom(a, BloomFingerprint.FromExact(b, filter));
        var bloomBloom = SharingEstimator.BloomBloom(BloomFingerprint.FromExact(a, filter), BloomFingerprint.FromExact(b, filter));
        var vms = guests.Select((g, i) => new SharingVm(new VmId(i + 1), 1, 0, g.MemoryPages, g.Pages)).ToList();
        var hostMiB = (2 * RealGuestFleet.GuestMemoryMiB) - (int)(exact / 2 / PageHasher.PagesPerMiB);
        var firstFit = SharingPacking.Pack(vms, EmptyHosts(1, hostMiB), new SharingObliviousFirstFit());
        var sharing = SharingPacking.Pack(vms, EmptyHosts(1, hostMiB), new SharingAwarePlacement(new SharingPlacementOptions(SharingEstimateKind.ListBloom)));

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"exact {exact:0} shared pages of {a.Count} and {b.Count}; list∩Bloom {listBloom:0}, Bloom∩Bloom {bloomBloom:0}; one host of {hostMiB} MiB: first fit {firstFit.PlacedVms}, sharing {sharing.PlacedVms}"));
        Assert.True(exact >= 0.1 * Math.Min(a.Count, b.Count), $"two guests of one image share only {exact} pages of {a.Count} and {b.Count}");
        Assert.True(Math.Abs(listBloom - exact) <= 0.02 * exact, $"list∩Bloom {listBloom:0} vs exact {exact:0}");
        Assert.True(Math.Abs(bloomBloom - exact) <= 0.05 * exact, $"Bloom∩Bloom {bloomBloom:0} vs exact {exact:0}");
        Assert.Equal((1, 2), (firstFit.PlacedVms, sharing.PlacedVms));
        Assert.Equal(0, firstFit.OvercommittedHosts + sharing.OvercommittedHosts);
    }

    [QemuExperimentFact("sharing-real-guests", "RealGuestSharing")]
    public async Task SharingAwarePlacement_FitsMoreRealGuestsThanFirstFit_WithoutExactOvercommit()
    {
        var guests = await RealGuestFleet.GetAsync(fixture);
        SaveIfAsked(guests);
        var table = new StringBuilder();
        table.AppendLine("| hosts × MiB | arrival order | first fit | sharing (list∩Bloom) | sharing (Bloom∩Bloom) | sharing (exact) | gain (list∩Bloom) | exact overcommits |");
        table.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|");
        (int FirstFit, int Sharing, int Overcommits)? asserted = null;
        foreach (var (hostCount, memoryMiB) in _configurations)
        {
            foreach (var (orderName, order) in ArrivalOrders(guests))
            {
                var vms = order.Select((g, i) => ToVm(g, i)).ToList();
                var firstFit = SharingPacking.Pack(vms, EmptyHosts(hostCount, memoryMiB), new SharingObliviousFirstFit());
                var listBloom = SharingPacking.Pack(vms, EmptyHosts(hostCount, memoryMiB), new SharingAwarePlacement(new SharingPlacementOptions(SharingEstimateKind.ListBloom)));
                var bloomBloom = SharingPacking.Pack(vms, EmptyHosts(hostCount, memoryMiB), new SharingAwarePlacement(new SharingPlacementOptions(SharingEstimateKind.BloomBloom)));
                var exact = SharingPacking.Pack(vms, EmptyHosts(hostCount, memoryMiB), new SharingAwarePlacement(SharingPlacementOptions.Exact));
                var overcommits = firstFit.OvercommittedHosts + listBloom.OvercommittedHosts + bloomBloom.OvercommittedHosts + exact.OvercommittedHosts;
                var gain = (double)(listBloom.PlacedVms - firstFit.PlacedVms) / firstFit.PlacedVms;
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {hostCount} × {memoryMiB} | {orderName} | {firstFit.PlacedVms} | {listBloom.PlacedVms} | {bloomBloom.PlacedVms} | {exact.PlacedVms} | {gain:+0.0 %;-0.0 %;0 %} | {overcommits} |");
                asserted ??= (firstFit.PlacedVms, listBloom.PlacedVms, overcommits);
            }
        }

        output.WriteLine(Describe(guests));
        output.WriteLine(table.ToString());

        var (ff, sharing, overcommitted) = asserted ?? throw new InvalidOperationException("no configuration ran");
        Assert.True(sharing > ff, $"sharing-aware placement fitted {sharing} real guests, first fit {ff}: no gain");
        Assert.Equal(0, overcommitted);
    }

    [QemuExperimentFact("sharing-real-guests", "RealGuestSharing")]
    public async Task Estimates_OnRealGuestPairsAndHosts_AreWithinBounds()
    {
        var guests = await RealGuestFleet.GetAsync(fixture);
        var table = new StringBuilder("| bits/page | comparison | cases | exact shared pages (min–max) | list∩Bloom mean abs err | max | Bloom∩Bloom mean abs err | max | Bloom∩Bloom max abs err, % of the VM's pages |\n");
        table.AppendLine("|---:|---|---:|---|---:|---:|---:|---:|---:|");
        List<EstimateCase> atDefault = [];
        foreach (var bitsPerPage in new[] { BloomParameters.DefaultBitsPerPage, 16 })
        {
            var cases = EstimateCases(guests, bitsPerPage);
            atDefault = bitsPerPage == BloomParameters.DefaultBitsPerPage ? cases : atDefault;
            foreach (var group in cases.GroupBy(r => r.Kind))
            {
                var listErrors = group.Select(r => Math.Abs(r.ListBloom - r.Exact) / r.Exact).ToList();
                var bloomErrors = group.Select(r => Math.Abs(r.BloomBloom - r.Exact) / r.Exact).ToList();
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {bitsPerPage} | {group.Key} | {group.Count()} | {group.Min(r => r.Exact):0}–{group.Max(r => r.Exact):0} | {listErrors.Average():0.00 %} | {listErrors.Max():0.00 %} | "
                    + $"{bloomErrors.Average():0.00 %} | {bloomErrors.Max():0.00 %} | {group.Max(r => Math.Abs(r.BloomBloom - r.Exact) / r.VmPages):0.00 %} |");
            }
        }

        output.WriteLine(table.ToString());

        // List ∩ Bloom is within ±2 % everywhere. Bloom ∩ Bloom is within ±5 % wherever the VM shares at least a tenth
        // of its pages; on small intersections (two kernels' few common pages) its error, which grows with the sets
        // and not with the intersection, stays under 1 % of the VM's pages.
        Assert.All(atDefault, r => Assert.True(r.Exact > 0, $"{r.Kind}: no page shared at all"));
        Assert.All(atDefault, r => Assert.True(Math.Abs(r.ListBloom - r.Exact) <= 0.02 * r.Exact, $"{r.Kind}: list∩Bloom {r.ListBloom:0} vs exact {r.Exact:0}"));
        Assert.All(atDefault.Where(r => r.Exact >= 0.1 * r.VmPages), r => Assert.True(Math.Abs(r.BloomBloom - r.Exact) <= 0.05 * r.Exact, $"{r.Kind}: Bloom∩Bloom {r.BloomBloom:0} vs exact {r.Exact:0}"));
        Assert.All(atDefault, r => Assert.True(Math.Abs(r.BloomBloom - r.Exact) <= 0.01 * r.VmPages, $"{r.Kind}: Bloom∩Bloom {r.BloomBloom:0} vs exact {r.Exact:0} of {r.VmPages} pages"));
    }

    /// <summary>Every VM pair (filters sized for one VM) and every VM against hosts of three others (sized for three).</summary>
    private static List<EstimateCase> EstimateCases(IReadOnlyList<RealGuest> guests, double bitsPerPage)
    {
        var vmFilter = BloomParameters.ForMemoryMiB(RealGuestFleet.GuestMemoryMiB, bitsPerPage: bitsPerPage);
        var hostFilter = BloomParameters.ForMemoryMiB(3 * RealGuestFleet.GuestMemoryMiB, bitsPerPage: bitsPerPage);
        var cases = new List<EstimateCase>();
        for (var a = 0; a < guests.Count; a++)
        {
            var vm = guests[a].Memory.Pages;
            for (var b = a + 1; b < guests.Count; b++)
            {
                var other = guests[b].Memory.Pages;
                var kind = guests[a].Profile == guests[b].Profile ? "VM pair, same profile" : "VM pair, other profiles";
                cases.Add(new EstimateCase(kind, Math.Min(vm.Count, other.Count), SharingEstimator.ListList(vm, other),
                    SharingEstimator.ListBloom(vm, BloomFingerprint.FromExact(other, vmFilter)),
                    SharingEstimator.BloomBloom(BloomFingerprint.FromExact(vm, vmFilter), BloomFingerprint.FromExact(other, vmFilter))));
            }

            // The VM against a host of three others: its own profile's, then one of each other profile.
            var same = guests.Where((g, i) => i != a && g.Profile == guests[a].Profile).Take(3).ToList();
            var mixed = guests.Where(g => g.Profile != guests[a].Profile).GroupBy(g => g.Profile).Select(p => p.First()).ToList();
            foreach (var (kind, host) in new[] { ("VM vs host, same profile", same), ("VM vs host, mixed", mixed) })
            {
                var union = ExactFingerprint.Union([.. host.Select(g => g.Memory.Pages)]);
                cases.Add(new EstimateCase(kind, vm.Count, SharingEstimator.ListList(vm, union), SharingEstimator.ListBloom(vm, BloomFingerprint.FromExact(union, hostFilter)),
                    SharingEstimator.BloomBloom(BloomFingerprint.FromExact(vm, hostFilter), BloomFingerprint.FromExact(union, hostFilter))));
            }
        }

        return cases;
    }

    private static SharingVm ToVm(RealGuest guest, int index) =>
        new(new VmId(index + 1), 1, 0, guest.Memory.MemoryPages, guest.Memory.Pages);

    private static List<SharingHost> EmptyHosts(int count, int memoryMiB) =>
        [.. Enumerable.Range(1, count).Select(i => SharingHost.Empty(new HostId(i), 64, 10_000, (long)memoryMiB * PageHasher.PagesPerMiB, bloom: BloomParameters.ForMemoryMiB(memoryMiB)))];

    /// <summary>Round robin over the profiles (the realistic mix), profile after profile, and three seeded shuffles.</summary>
    private static IEnumerable<(string Name, IReadOnlyList<RealGuest> Order)> ArrivalOrders(IReadOnlyList<RealGuest> guests)
    {
        var byProfile = guests.GroupBy(g => g.Profile).Select(g => g.ToList()).ToList();
        yield return ("round robin", [.. Enumerable.Range(0, byProfile.Max(p => p.Count)).SelectMany(i => byProfile.Where(p => i < p.Count).Select(p => p[i]))]);
        yield return ("by profile", guests);
        foreach (var seed in new[] { 1, 2, 3 })
        {
            var random = new Random(seed);
            yield return ($"shuffle seed {seed}", [.. guests.OrderBy(_ => random.Next())]);
        }
    }

    private static string Describe(IReadOnlyList<RealGuest> guests)
    {
        var text = new StringBuilder("| guest | RAM pages | zero pages | distinct non-zero pages |\n|---|---:|---:|---:|\n");
        foreach (var g in guests)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {g.Memory.VmId} | {g.Memory.MemoryPages} | {g.Memory.Pages.ZeroPages} | {g.Memory.Pages.Count} |");
        }

        return text.ToString();
    }

    private static void SaveIfAsked(IReadOnlyList<RealGuest> guests)
    {
        if (Environment.GetEnvironmentVariable("ROOST_SAVE_FINGERPRINTS") is not { Length: > 0 } directory)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        var sampling = new HashSampling(SavedSamplingShift);
        foreach (var g in guests)
        {
            var sampled = ExactFingerprint.FromPageHashes(g.Memory.Pages.Hashes, g.Memory.Pages.ZeroPages, sampling);
            File.WriteAllBytes(Path.Combine(directory, $"{g.Memory.VmId}.rsfp"), FingerprintFile.Write(sampled));
        }
    }

    private sealed record EstimateCase(string Kind, double VmPages, double Exact, double ListBloom, double BloomBloom);
}
