using System.Globalization;
using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Ksm;
using Roost.Hypervisor.Tests.Agent;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Ksm;

/// <summary>
/// The claim of docs/experiments/ksm-sharing.md on the smallest fleet: two guests of one image, their RAM mergeable
/// (<c>roost agent --mergeable-memory on</c>), under Linux KSM: what KSM merges is close to what Roost's fingerprints,
/// read through the agent while the guests run, say it will.
/// </summary>
[Collection(QemuTests.Name)]
public sealed class KsmSharingTests(QemuFixture fixture, ITestOutputHelper output)
{
    [KsmFact]
    public async Task TwoGuestsOfOneImage_UnderKsm_MergeAboutWhatTheirFingerprintsPredict()
    {
        // KSM is one for the machine: the session (a machine-wide lock) is held for the guests' whole life, so no other
        // KSM test's mergeable guest runs beside them.
        var control = new KsmControl();
        KsmConvergence converged;
        long others;
        var guests = new List<GuestMemoryFingerprint>();
        using (var session = await KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromMinutes(3), TimeProvider.System, CancellationToken.None))
        {
            await using var agent = await fixture.StartAgentAsync("ksm", new AgentCapacity(2, 256), configure: o => o with { MergeableMemory = true });
            using var client = new AgentClient(agent.BaseAddress);
            await Task.WhenAll(AgentTestSteps.BootAsync(client, "vm-a"), AgentTestSteps.BootAsync(client, "vm-b"));
            converged = await session.ConvergeAsync(TimeProvider.System, TimeSpan.FromSeconds(90), CancellationToken.None);
            others = KsmControl.MergingPagesOfOtherProcesses(await QemuPidsAsync(client, "vm-a", "vm-b"));
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
            foreach (var id in new[] { "vm-a", "vm-b" })
            {
                var result = await new GuestFingerprintClient(http).FingerprintAsync(agent.BaseAddress, QemuFixture.Token, id, HashSampling.None, CancellationToken.None);
                guests.Add(Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value);
            }

            await agent.DisposeAsync();
        }

        var estimate = KsmEstimate.For(guests);
        var measured = converged.Counters.PagesSharing;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"KSM after {converged.FullScans} full scans ({converged.Elapsed.TotalSeconds:0.0} s, settled {converged.Settled}): {converged.Counters}; "
            + $"other processes' merged pages {others}; Roost's estimate {estimate.Total} pages ({estimate.WithinGuests} within guests, {estimate.AcrossGuests} across); measured/estimate {(double)measured / estimate.Total:0.000}"));
        Assert.True(estimate.AcrossGuests >= 1000, $"two guests of one image share only {estimate.AcrossGuests} pages by their fingerprints");
        Assert.True(converged.Settled, $"KSM did not settle within 90 s: {converged.Counters}");
        Assert.True(measured >= 0.8 * estimate.Total && measured <= 1.2 * estimate.Total, $"KSM merged {measured} pages ({others} merged pages in other processes), Roost's fingerprints estimate {estimate.Total}");
    }

    private static async Task<int[]> QemuPidsAsync(AgentClient client, params string[] ids)
    {
        var pids = new List<int>();
        foreach (var id in ids)
        {
            pids.Add((await client.GetJsonAsync<VmInfo>($"api/vms/{id}")).Pid);
        }

        return [.. pids];
    }
}
