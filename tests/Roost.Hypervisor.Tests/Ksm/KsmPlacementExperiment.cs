using System.Globalization;
using System.Text;
using Roost.Core.Model;
using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Ksm;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Ksm;

/// <summary>
/// The experiment of docs/experiments/ksm-sharing.md (run by docs/experiments/ksm-sharing.sh): real guests of the four
/// image profiles, fingerprinted through their agents, are placed on two hosts by Memory Buddies' sharing-aware
/// placement and by first fit; then each host's guests are booted together with mergeable RAM under Linux KSM, and
/// KSM's measured saving (<c>pages_sharing</c> once converged) is printed beside Roost's estimate
/// (<see cref="KsmEstimate"/>) of the same guests. KSM is one for the machine, so the hosts are run one after the
/// other, each alone, inside one <see cref="KsmSession"/>.
/// </summary>
[Collection(QemuTests.Name)]
public sealed class KsmPlacementExperiment(QemuFixture fixture, ITestOutputHelper output)
{
    private const int GuestsPerProfile = 2;
    private const int GuestMemoryMiB = 128;
    private const int Hosts = 2;

    /// <summary>Each host holds 3.5 guests at face value: first fit places three, sharing can make room for a fourth.</summary>
    private const int HostMemoryMiB = 448;

    private static readonly TimeSpan _converge = TimeSpan.FromMinutes(2);

    [QemuExperimentFact("ksm-sharing", "KsmPlacement")]
    public async Task KsmPlacement_MeasuredSavingBesideRoostsEstimate()
    {
        Assert.Null(new KsmControl().Unavailable());
        using var session = await KsmSession.StartAsync(new KsmControl(), KsmSettings.Experiment, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);
        var agents = new Dictionary<string, AgentServer>(StringComparer.Ordinal);
        foreach (var profile in GuestProfile.All)
        {
            var image = await QemuFixture.ImageAsync(profile.Name);
            agents[profile.Name] = await fixture.StartAgentAsync($"ksm-{profile.Name}", new AgentCapacity(4, 4 * GuestMemoryMiB), image, TimeSpan.FromSeconds(120), configure: o => o with { MergeableMemory = true });
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var fleet = new Fleet(agents, http);

        // Arrival order: round robin over the profiles (the realistic mix of RealGuestSharingTests).
        var arrivals = Enumerable.Range(1, GuestsPerProfile)
            .SelectMany(i => GuestProfile.All.Select(p => new Guest(p.Name, $"{p.Name}-{i}")))
            .ToList();

        // 1. Fingerprints for placement: every guest booted (one per profile at a time) and read while it runs.
        var placementPrints = new Dictionary<Guest, GuestMemoryFingerprint>();
        foreach (var batch in arrivals.Chunk(GuestProfile.All.Count))
        {
            foreach (var (guest, print) in await fleet.RunAsync(batch, () => Task.CompletedTask))
            {
                placementPrints[guest] = print;
            }
        }

        // 2. Placement by Roost's two policies over the same fingerprints and hosts.
        var vms = arrivals.Select((g, i) => new SharingVm(new VmId(i + 1), 1, 0, placementPrints[g].MemoryPages, placementPrints[g].Pages)).ToList();
        var hosts = Enumerable.Range(1, Hosts)
            .Select(i => SharingHost.Empty(new HostId(i), 64, 10_000, (long)HostMemoryMiB * PageHasher.PagesPerMiB, bloom: BloomParameters.ForMemoryMiB(HostMemoryMiB)))
            .ToList();
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{arrivals.Count} guests of {GuestMemoryMiB} MiB ({GuestsPerProfile} per profile, round robin), {Hosts} hosts of {HostMemoryMiB} MiB");
        report.AppendLine("| placement | host | guests | KSM pages_sharing | ksm_zero_pages | others' merged pages | full scans | Roost's estimate (within + across) | estimate / measured | estimate at placement |");
        report.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var policy in new ISharingPlacementPolicy[] { new SharingObliviousFirstFit(), new SharingAwarePlacement(new SharingPlacementOptions(SharingEstimateKind.ListBloom)) })
        {
            var outcome = SharingPacking.Pack(vms, hosts, policy);
            long measuredTotal = 0, estimateTotal = 0;
            foreach (var host in outcome.Hosts)
            {
                var guests = host.Vms.Select(vm => arrivals[vm.Id.Value - 1]).ToList();
                if (guests.Count == 0)
                {
                    continue;
                }

                // 3. The host's guests booted together under KSM; counters once it converged, then their fingerprints.
                KsmConvergence? converged = null;
                long others = 0;
                var prints = await fleet.RunAsync(guests, async () =>
                {
                    converged = await session.ConvergeAsync(TimeProvider.System, _converge, CancellationToken.None);
                    others = KsmControl.MergingPagesOfOtherProcesses(await fleet.PidsAsync(guests));
                });
                var ksm = converged ?? throw new InvalidOperationException("KSM was not read");
                var estimate = KsmEstimate.For([.. prints.Select(p => p.Print)]);
                var atPlacement = KsmEstimate.For([.. guests.Select(g => placementPrints[g])]);
                measuredTotal += ksm.Counters.PagesSharing;
                estimateTotal += estimate.Total;
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| {outcome.Policy} | {host.Id} | {string.Join(", ", guests.Select(g => g.Id))} | {ksm.Counters.PagesSharing} | {ksm.Counters.ZeroPages} | {others} | {ksm.FullScans}{(ksm.Settled ? "" : " (not settled)")} | "
                    + $"{estimate.Total} ({estimate.WithinGuests} + {estimate.AcrossGuests}) | {(double)estimate.Total / ksm.Counters.PagesSharing:0.000} | {atPlacement.Total} |");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ksm-host policy={outcome.Policy} host={host.Id} guests={guests.Count} measured={ksm.Counters.PagesSharing} estimate={estimate.Total} within={estimate.WithinGuests} across={estimate.AcrossGuests} atPlacement={atPlacement.Total} others={others} settled={ksm.Settled}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ksm-policy policy={outcome.Policy} placed={outcome.PlacedVms} measured={measuredTotal} estimate={estimateTotal} ratio={(double)estimateTotal / measuredTotal:0.0000} savedMiB={(double)measuredTotal / PageHasher.PagesPerMiB:0.0}"));
        }

        output.WriteLine(report.ToString());
    }

    private sealed record Guest(string Profile, string Id);

    /// <summary>Boots guests on their profile's agent, reads them while they run, and destroys them.</summary>
    private sealed class Fleet(Dictionary<string, AgentServer> agents, HttpClient http)
    {
        /// <summary>Boots <paramref name="guests"/> together, runs <paramref name="whileRunning"/>, fingerprints each, destroys them all.</summary>
        public async Task<List<(Guest Guest, GuestMemoryFingerprint Print)>> RunAsync(IReadOnlyList<Guest> guests, Func<Task> whileRunning)
        {
            try
            {
                await Task.WhenAll(guests.Select(BootAsync));
                await whileRunning();
                var prints = new List<(Guest, GuestMemoryFingerprint)>();
                foreach (var guest in guests)
                {
                    var result = await new GuestFingerprintClient(http).FingerprintAsync(agents[guest.Profile].BaseAddress, QemuFixture.Token, guest.Id, HashSampling.None, CancellationToken.None);
                    prints.Add((guest, Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value));
                }

                return prints;
            }
            finally
            {
                foreach (var guest in guests)
                {
                    using var client = new AgentClient(agents[guest.Profile].BaseAddress);
                    using var destroyed = await client.DeleteAsync($"api/vms/{guest.Id}");
                }
            }
        }

        public async Task<int[]> PidsAsync(IReadOnlyList<Guest> guests)
        {
            var pids = new List<int>();
            foreach (var guest in guests)
            {
                using var client = new AgentClient(agents[guest.Profile].BaseAddress);
                pids.Add((await client.GetJsonAsync<VmInfo>($"api/vms/{guest.Id}")).Pid);
            }

            return [.. pids];
        }

        private async Task BootAsync(Guest guest)
        {
            using var client = new AgentClient(agents[guest.Profile].BaseAddress);
            using var response = await client.PostAsync("api/vms", new CreateVmRequest(guest.Id, 1, GuestMemoryMiB));
            var vm = await AgentClient.ReadAsync<VmInfo>(response);
            Assert.Equal(VmState.Running, vm.State);
        }
    }
}
