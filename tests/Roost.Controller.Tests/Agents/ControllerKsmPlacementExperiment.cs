using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Ksm;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Agents;

/// <summary>
/// The controller-driven experiment of docs/experiments/ksm-sharing.md (run by <c>docs/experiments/ksm-sharing.sh N
/// controller</c>): two real agents with mergeable guest RAM, each offering the four image profiles; a controller
/// (<c>roost serve</c>'s app over <see cref="AgentFleet"/>) learns each image's fingerprint from one running guest,
/// then places 8 guests (2 per profile, round robin) through <c>POST /api/vms</c>, once with <c>placement: firstFit</c>
/// and once with <c>placement: sharing</c>. KSM is one for the machine, so each host's guests are then booted again
/// alone on their agent, KSM converges, and its <c>pages_sharing</c> is printed beside Roost's estimate of the same
/// guests (<see cref="KsmEstimate"/>), as the library-driven experiment does.
/// </summary>
public sealed partial class ControllerKsmPlacementExperiment(ITestOutputHelper output)
{
    private const int GuestMiB = 128;
    private const int GuestsPerProfile = 2;

    /// <summary>Each host holds 3.5 guests at face value (as in the library-driven run); agents admit up to 1.25 times that with KSM.</summary>
    private const int HostMiB = 448;

    private static readonly TimeSpan _boot = TimeSpan.FromMinutes(4);

    [ControllerExperimentFact("ksm-sharing-controller", "ControllerKsmPlacement")]
    public async Task ControllerKsmPlacement_MeasuredSavingBesideRoostsEstimate()
    {
        Assert.Null(new KsmControl().Unavailable());
        using var session = await KsmSession.StartAsync(new KsmControl(), KsmSettings.Experiment, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);
        await using var testbed = await AgentTestbed.StartAsync();
        var profiles = GuestProfile.All.Select(p => p.Name).ToArray();
        var agents = new List<AgentServer>();
        for (var h = 0; h < 2; h++)
        {
            agents.Add(await testbed.StartAgentAsync($"ksm{h}", 8, HostMiB, o => o with { MergeableMemory = true, MemoryOvercommit = 1.25, BootTimeout = TimeSpan.FromSeconds(120) }, [.. profiles.Skip(1)]));
        }

        var arrivals = Enumerable.Range(1, GuestsPerProfile).SelectMany(i => profiles.Select(p => (Profile: p, Name: $"{p}-{i}"))).ToList();
        var report = new StringBuilder();
        report.AppendLine("| placement | host | guests | KSM pages_sharing | ksm_zero_pages | others' merged pages | full scans | Roost's estimate (within + across) | estimate / measured | controller's estimate at placement (across) |");
        report.AppendLine("|---|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var policy in new[] { "firstFit", "sharing" })
        {
            var placed = await PlaceThroughTheControllerAsync(agents, arrivals, policy);
            long measuredTotal = 0, estimateTotal = 0;
            foreach (var host in placed.Where(p => p.Host is not null).GroupBy(p => p.Host ?? -1).OrderBy(g => g.Key))
            {
                var guests = host.ToList();
                var (ksm, others, prints) = await RunAloneAsync(session, testbed, agents[host.Key], guests);
                var estimate = KsmEstimate.For(prints);
                measuredTotal += ksm.Counters.PagesSharing;
                estimateTotal += estimate.Total;
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"| controller {policy} | host-{host.Key} | {string.Join(", ", guests.Select(g => g.Name))} | {ksm.Counters.PagesSharing} | {ksm.Counters.ZeroPages} | {others} | {ksm.FullScans}{(ksm.Settled ? "" : " (not settled)")} | "
                    + $"{estimate.Total} ({estimate.WithinGuests} + {estimate.AcrossGuests}) | {(double)estimate.Total / ksm.Counters.PagesSharing:0.000} | {guests.Sum(g => g.EstimatedShared)} |");
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ksm-host policy=controller-{policy} host=host-{host.Key} guests={guests.Count} measured={ksm.Counters.PagesSharing} estimate={estimate.Total} within={estimate.WithinGuests} across={estimate.AcrossGuests} atPlacement={guests.Sum(g => g.EstimatedShared)} others={others} settled={ksm.Settled}"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ksm-policy policy=controller-{policy} placed={placed.Count(p => p.Host is not null)} measured={measuredTotal} estimate={estimateTotal} ratio={(double)estimateTotal / measuredTotal:0.0000} savedMiB={(double)measuredTotal / PageHasher.PagesPerMiB:0.0}"));
        }

        output.WriteLine(report.ToString());
    }

    /// <summary>
    /// A fresh controller over the agents: one guest of each profile (pinned, two a host) until the controller holds
    /// its fingerprint, stopped and deleted; then the placement setting and the arrivals, one at a time, each until it
    /// runs or fails; then every VM stopped. Where each went and the sharing the controller estimated there.
    /// </summary>
    private async Task<List<Placed>> PlaceThroughTheControllerAsync(List<AgentServer> agents, List<(string Profile, string Name)> arrivals, string policy)
    {
        using var data = new TempDirectory();
        var options = new ControllerOptions(data.Path)
        {
            Listen = "127.0.0.1:0",
            Agents = new AgentFleet([.. agents.Select(a => a.BaseAddress)], AgentTestbed.Token),
            Loop = ControlLoopOptions.Default with { Interval = TimeSpan.FromSeconds(1) },
        };
        await using var controller = await ControllerApp.StartAsync(options, CancellationToken.None);
        using var api = new HttpClient { BaseAddress = controller.Address, Timeout = TimeSpan.FromMinutes(2) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", controller.Tokens.Current);

        // The controller reads guest RAM for fingerprints only under sharing placement: the learners run under it.
        await PatchPlacementAsync(api, "sharing");
        var learners = new List<int>();
        var profiles = arrivals.Select(a => a.Profile).Distinct().ToList();
        for (var i = 0; i < profiles.Count; i++)
        {
            learners.Add(await CreateAsync(api, $"learn-{profiles[i]}", profiles[i], i % 2));
        }

        foreach (var id in learners)
        {
            await Poll.UntilAsync(
                async () => (await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}")).GetProperty("fingerprintPages").ValueKind == JsonValueKind.Number ? new object() : null,
                _boot,
                async () => $"vm {id} was never fingerprinted; events: {await AgentEndToEndTests.EventsTextAsync(api)}");
        }

        await StopAllAsync(api, learners);
        await PatchPlacementAsync(api, policy);

        var ids = new List<int>();
        foreach (var (profile, name) in arrivals)
        {
            ids.Add(await CreateAsync(api, name, profile, host: null));
        }

        var events = (await api.GetFromJsonAsync<JsonElement>("/api/events?limit=200")).EnumerateArray().Select(e => e.GetProperty("message").GetString() ?? "").ToList();
        var placed = new List<Placed>();
        for (var i = 0; i < ids.Count; i++)
        {
            var vm = await api.GetFromJsonAsync<JsonElement>($"/api/vms/{ids[i]}");
            var host = vm.GetProperty("state").GetString() == "running" ? vm.GetProperty("host").GetInt32() : (int?)null;
            var started = events.FirstOrDefault(m => m.StartsWith($"vm-{ids[i]} ({arrivals[i].Name}) started on", StringComparison.Ordinal)) ?? "";
            var estimate = EstimatePattern().Match(started) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            placed.Add(new Placed(arrivals[i].Profile, arrivals[i].Name, host, estimate));
            output.WriteLine($"placement policy={policy} vm={arrivals[i].Name} host={(host is { } h ? $"host-{h}" : "none")}: {(started.Length > 0 ? started : vm.GetProperty("state").GetString())}");
        }

        await StopAllAsync(api, [.. ids.Where((_, i) => placed[i].Host is not null)]);
        return placed;
    }

    private static async Task PatchPlacementAsync(HttpClient api, string placement)
    {
        using var patch = await api.PatchAsync("/api/settings", JsonContent.Create(new { placement }));
        Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync());
    }

    /// <summary>Boots a host's guests together on its agent, lets KSM converge, reads its counters and each guest's fingerprint, destroys them.</summary>
    private static async Task<(KsmConvergence Ksm, long Others, List<GuestMemoryFingerprint> Prints)> RunAloneAsync(KsmSession session, AgentTestbed testbed, AgentServer agent, List<Placed> guests)
    {
        var ids = guests.Select(g => $"m-{g.Name}").ToList();
        try
        {
            await Task.WhenAll(guests.Select(async g =>
            {
                using var response = await testbed.Http.PostAsJsonAsync(new Uri(agent.BaseAddress, "api/vms"), new { id = $"m-{g.Name}", cpus = 1, memoryMiB = GuestMiB, image = g.Profile });
                Assert.True(response.IsSuccessStatusCode, $"booting m-{g.Name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }));
            var converged = await session.ConvergeAsync(TimeProvider.System, TimeSpan.FromMinutes(2), CancellationToken.None);
            var pids = new List<int>();
            foreach (var id in ids)
            {
                pids.Add((await testbed.Http.GetFromJsonAsync<JsonElement>(new Uri(agent.BaseAddress, $"api/vms/{id}"))).GetProperty("pid").GetInt32());
            }

            var others = KsmControl.MergingPagesOfOtherProcesses(pids);
            var prints = new List<GuestMemoryFingerprint>();
            foreach (var id in ids)
            {
                var result = await new GuestFingerprintClient(testbed.Http).FingerprintAsync(agent.BaseAddress, AgentTestbed.Token, id, HashSampling.None, CancellationToken.None);
                prints.Add(Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value);
            }

            return (converged, others, prints);
        }
        finally
        {
            foreach (var id in ids)
            {
                using var destroyed = await testbed.Http.DeleteAsync(new Uri(agent.BaseAddress, $"api/vms/{id}"));
            }
        }
    }

    private static async Task<int> CreateAsync(HttpClient api, string name, string image, int? host)
    {
        using var created = await api.PostAsJsonAsync("/api/vms", new { name, cpuCores = 1, memoryMiB = GuestMiB, networkMbps = 10, host, image });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await Poll.UntilAsync(
            async () => (await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}")).GetProperty("state").GetString() is "running" or "failed" ? new object() : null,
            _boot,
            async () => $"vm {id} ({name}) neither ran nor failed; events: {await AgentEndToEndTests.EventsTextAsync(api)}");
        return id;
    }

    private static async Task StopAllAsync(HttpClient api, IReadOnlyList<int> ids)
    {
        foreach (var id in ids)
        {
            using var stop = await api.PostAsync($"/api/vms/{id}/stop", null);
            Assert.True(stop.IsSuccessStatusCode, await stop.Content.ReadAsStringAsync());
        }

        foreach (var id in ids)
        {
            await Poll.UntilAsync(
                async () => (await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}")).GetProperty("state").GetString() == "stopped" ? new object() : null,
                _boot,
                async () => $"vm {id} never stopped; events: {await AgentEndToEndTests.EventsTextAsync(api)}");
            using var deleted = await api.DeleteAsync($"/api/vms/{id}");
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }
    }

    [GeneratedRegex(@"sharing: an estimated (\d+) pages")]
    private static partial Regex EstimatePattern();

    /// <summary>A guest as the controller placed it: its host (null: it failed, no room) and the sharing it estimated there.</summary>
    private sealed record Placed(string Profile, string Name, int? Host, long EstimatedShared);
}
