using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Ksm;
using Roost.Hypervisor.Tests.Agent;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Ksm;

/// <summary>Live migration of a guest whose RAM is mergeable, while KSM merges it: no write lost, RAM readable at both ends.</summary>
[Collection(QemuMigrationTests.Name)]
public sealed class KsmMigrationTests(QemuFixture fixture, ITestOutputHelper output)
{
    [KsmFact]
    public async Task WritingMergeableGuest_MigratedThereAndBackUnderKsm_LosesNoWrite_AndIsFingerprintedAtEachEnd()
    {
        // The KSM session (a machine-wide lock) outlives the guest, so no other KSM test's guest runs beside it.
        using var session = await KsmSession.StartAsync(new KsmControl(), KsmSettings.Experiment, TimeSpan.FromMinutes(3), TimeProvider.System, CancellationToken.None);

        // a sends through the relay (the default), b over QEMU's plain TCP.
        await using var first = await fixture.StartAgentAsync("ksm-a", configure: o => o with { MergeableMemory = true });
        await using var second = await fixture.StartAgentAsync("ksm-b", configure: o => o with { MergeableMemory = true, MigrationTransport = MigrationTransportKind.Tcp });
        var agents = new[] { first, second };
        using var a = new AgentClient(agents[0].BaseAddress);
        using var b = new AgentClient(agents[1].BaseAddress);
        var clients = new[] { a, b };
        await AgentTestSteps.BootAsync(a, "vm-1");
        await AgentTestSteps.StartMemtestAsync(a, "vm-1", mib: 32, pagesPerSecond: 2000);
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };

        for (var i = 0; i < 2; i++)
        {
            using var response = await AgentTestSteps.MigrateAsync(clients[i], clients[1 - i], agents[1 - i].BaseAddress, "vm-1");
            var report = await AgentClient.ReadAsync<MigrationReport>(response);
            var check = await AgentTestSteps.AssertMemoryIntactAsync(clients[1 - i], "vm-1");
            var fingerprint = await new GuestFingerprintClient(http).FingerprintAsync(agents[1 - i].BaseAddress, QemuFixture.Token, "vm-1", HashSampling.None, CancellationToken.None);
            var pages = Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(fingerprint).Value.Pages;
            output.WriteLine($"migration {i + 1} ({report.Transport}): {report.TransferredBytes / 1048576} MiB; checked {check.Checked} pages, wrong {check.Wrong}; "
                + $"fingerprint at the destination {pages.Count} distinct pages; KSM {session.Control.ReadCounters()}");
            Assert.InRange(pages.Count, 8192, 32768);
        }

        var scans = session.Control.ReadCounters().FullScans;
        await agents[0].DisposeAsync();
        await agents[1].DisposeAsync();
        Assert.True(scans > 0, "KSM never scanned during the migrations");
    }
}
