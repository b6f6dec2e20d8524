using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>Live migration between two real agents on 127.0.0.1 (its failures: <see cref="MigrationFailureTests"/>).</summary>
[Collection(QemuMigrationTests.Name)]
public sealed class LiveMigrationTests(QemuFixture fixture, ITestOutputHelper output)
{
    [QemuFact]
    public async Task Migrate_WhileReporterRuns_GuestCarriesOnAtDestinationOnly()
    {
        await using var source = await fixture.StartAgentAsync("src");
        await using var destination = await fixture.StartAgentAsync("dst");
        using var src = new AgentClient(source.BaseAddress);
        using var dst = new AgentClient(destination.BaseAddress);
        var bootStarted = TimeProvider.System.GetTimestamp();
        var vm = await AgentTestSteps.BootAsync(src, "vm-1");
        output.WriteLine($"boot to first report: {TimeProvider.System.GetElapsedTime(bootStarted).TotalSeconds:0.00} s ({fixture.Accelerator})");
        await AgentTestSteps.StartMemtestAsync(src, "vm-1");
        var before = await AgentTestSteps.WaitForSeqAsync(src, "vm-1", 2);

        using var response = await AgentTestSteps.MigrateAsync(src, dst, destination.BaseAddress, "vm-1");
        var report = await AgentClient.ReadAsync<MigrationReport>(response);

        output.WriteLine($"migration: {report}");
        var after = await AgentTestSteps.WaitForSeqAsync(dst, "vm-1", before.Seq + 1);
        Assert.True(after.Seq > before.Seq, $"guest counter went from {before.Seq} to {after.Seq}: the guest rebooted");
        Assert.True(await AgentTestSteps.ListsOnlyAsync(src), "the source still lists the VM");
        Assert.True(await AgentTestSteps.ListsOnlyAsync(dst, "vm-1"), "the destination does not list the VM");
        Assert.Equal(VmState.Running, (await dst.GetJsonAsync<VmInfo>("api/vms/vm-1")).State);
        output.WriteLine($"memtest after the migration: {await AgentTestSteps.AssertMemoryIntactAsync(dst, "vm-1")}");
        Assert.False(Directory.Exists($"/proc/{vm.Pid}"), $"source QEMU {vm.Pid} still runs");
        Assert.False(File.Exists(vm.MemoryPath), $"source RAM file {vm.MemoryPath} is left behind");
        Assert.InRange(report.TransferredBytes, 1, 2 * report.MemoryBytes);
        Assert.InRange(report.DowntimeMs, 0, report.QemuTotalMs);
        Assert.True(report.TotalMs >= report.QemuTotalMs, $"Roost's total {report.TotalMs} ms is below QEMU's {report.QemuTotalMs} ms");
        AssertRelayReportConsistent(report);
        await AgentTestSteps.AssertNothingLeftAsync(source);
    }

    /// <summary>
    /// CloudNet's and Memory Buddies' case through the agents: the destination runs a guest of the same image and pins
    /// its RAM (<c>--migration-pins residents</c>); part of the incoming guest's pages go as digests of pages the
    /// resident holds, and the guest arrives with every page of its verifier right.
    /// </summary>
    [QemuFact]
    public async Task ResidentOfTheSameImage_PinnedAtDestination_PagesGoAsPinnedHits_GuestArrivesWhole()
    {
        await using var source = await fixture.StartAgentAsync("src");
        await using var destination = await fixture.StartAgentAsync("dst", configure: o => o with { MigrationPins = MigrationPins.Residents });
        using var src = new AgentClient(source.BaseAddress);
        using var dst = new AgentClient(destination.BaseAddress);
        await AgentTestSteps.BootAsync(dst, "resident");
        await AgentTestSteps.BootAsync(src, "vm-1");
        await AgentTestSteps.StartMemtestAsync(src, "vm-1", mib: 16, pagesPerSecond: 500);
        Assert.Contains(destination.Agent.Options.MemoryPathFor("resident"), destination.Agent.PinFiles());

        using var response = await AgentTestSteps.MigrateAsync(src, dst, destination.BaseAddress, "vm-1");
        var report = await AgentClient.ReadAsync<MigrationReport>(response);

        output.WriteLine($"migration: {report.Describe()}; pinned hits {report.Relay?.PinnedHits}");
        AssertRelayReportConsistent(report);
        Assert.True(report.Relay?.PinnedHits > 0, $"no page went as a digest of the resident's RAM: {report.Relay}");
        Assert.InRange(report.Relay?.PinnedHits ?? 0, 1, report.Relay?.DeduplicatedPages ?? 0);
        output.WriteLine($"memtest after the migration: {await AgentTestSteps.AssertMemoryIntactAsync(dst, "vm-1")}");
        Assert.True(await AgentTestSteps.ListsOnlyAsync(dst, "resident", "vm-1"), "the destination does not list both guests");
        await AgentTestSteps.AssertNothingLeftAsync(source);
    }

    /// <summary>
    /// The integrity claim of docs/experiments/guest-integrity.md: a guest rewriting 2,000 pages a second is migrated 20
    /// times back and forth, and after each migration its verifier checks every page.
    /// </summary>
    [QemuFact]
    public async Task WritingGuest_Migrated20TimesBackAndForth_LosesNoWrite()
    {
        // a sends through the relay (the default), b over QEMU's plain TCP: ten moves each way.
        await using var first = await fixture.StartAgentAsync("a");
        await using var second = await fixture.StartAgentAsync("b", configure: o => o with { MigrationTransport = MigrationTransportKind.Tcp });
        var agents = new[] { first, second };
        using var a = new AgentClient(agents[0].BaseAddress);
        using var b = new AgentClient(agents[1].BaseAddress);
        var clients = new[] { a, b };
        await AgentTestSteps.BootAsync(a, "vm-1");
        var started = await AgentTestSteps.StartMemtestAsync(a, "vm-1", mib: 32, pagesPerSecond: 2000);
        output.WriteLine($"verifier: {started.Pages} pages ({started.Mib} MiB) at {started.PagesPerSecond} pages/s; {fixture.Accelerator}");
        var checks = new List<MemtestReport>();

        for (var i = 0; i < 20; i++)
        {
            var (from, to) = (clients[i % 2], agents[(i + 1) % 2]);
            using var response = await AgentTestSteps.MigrateAsync(from, clients[(i + 1) % 2], to.BaseAddress, "vm-1");
            var report = await AgentClient.ReadAsync<MigrationReport>(response);
            var check = await AgentTestSteps.AssertMemoryIntactAsync(clients[(i + 1) % 2], "vm-1");
            Assert.Equal(i % 2 == 0 ? MigrationTransportKind.Relay : MigrationTransportKind.Tcp, report.Transport);
            output.WriteLine($"migration {i + 1,2} ({report.Transport}): {report.QemuTotalMs} ms, downtime {report.DowntimeMs} ms, {report.TransferredBytes / 1048576} MiB, "
                + $"{(report.Relay?.WireBytes ?? report.TransferredBytes) / 1048576} MiB on the wire; "
                + $"checked {check.Checked} pages, wrong {check.Wrong}, writes {check.Writes}, achieved {check.AchievedPagesPerSecond} pages/s");
            Assert.True(checks.Count == 0 || check.Writes > checks[^1].Writes, "the guest's verifier stopped writing");
            checks.Add(check);
        }

        output.WriteLine($"20 migrations: 0 panics (the guest answered after every one), {checks.Sum(c => c.Wrong)} wrong pages of {checks.Sum(c => c.Checked)} checked, "
            + $"{checks[^1].Writes} page writes, achieved {checks[^1].AchievedPagesPerSecond} pages/s");
        Assert.Equal(0, checks[^1].WrongTotal);
    }

    /// <summary>The report of a relayed migration adds up: every page QEMU sent is counted in one kind, the wire carried less than QEMU's stream, and the passes are QEMU's.</summary>
    private void AssertRelayReportConsistent(MigrationReport report)
    {
        Assert.Equal(MigrationTransportKind.Relay, report.Transport);
        var relay = report.Relay;
        Assert.NotNull(relay);
        foreach (var pass in report.Passes)
        {
            output.WriteLine($"pass {pass.Number}: {pass.DirtyPages} dirty pages at start {pass.StartMs} ms, took {pass.DurationMs} ms, sent {pass.SentBytes} B, dirtied {pass.DirtyPagesPerSecond} pages/s");
        }

        Assert.True(relay.StreamBytes >= report.TransferredBytes, $"the relay read {relay.StreamBytes} bytes of QEMU's stream, QEMU says it sent {report.TransferredBytes}");
        Assert.True(relay.WireBytes < relay.StreamBytes, $"{relay.WireBytes} bytes on the wire for a {relay.StreamBytes}-byte stream");
        Assert.True(relay.PayloadBytes >= relay.FullBytes + relay.ZeroPageBytes + relay.DeduplicatedBytes + relay.DeltaBytes, $"the payload {relay.PayloadBytes} is less than its kinds: {relay}");
        var pages = relay.FullPages + relay.ZeroPages + relay.DeduplicatedPages + relay.DeltaPages;
        Assert.True(pages * 4096 >= report.MemoryBytes, $"{pages} pages relayed for {report.MemoryBytes} bytes of RAM: {relay}");
        Assert.True(relay.FullBytes >= relay.FullPages * 4096, $"{relay.FullPages} whole pages in {relay.FullBytes} bytes");
        Assert.InRange(relay.CompressedFrames, 0, relay.Frames);
        Assert.NotEmpty(report.Passes);
        Assert.Equal(1, report.Passes[0].Number);
        Assert.True(report.Passes.Zip(report.Passes.Skip(1)).All(p => p.First.Number < p.Second.Number && p.First.DurationMs is not null), "the passes are not in order or one was left open");
        Assert.InRange(report.Passes[^1].Number, 1, report.Rounds);
        Assert.True(report.Passes[0].DirtyPages > 0, "the bulk pass started with no dirty pages");
    }
}
