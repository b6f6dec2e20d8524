using System.Diagnostics;
using System.Security.Cryptography;
using Roost.Hypervisor.Agent;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// Agents move disks (issue 14, CloudNet §3.3): a VM created with <c>diskMiB</c> migrates between two real agents with
/// its disk mirrored through both NBD relay ends before its memory moves; and a destination that fails mid-mirror
/// leaves the VM running at the source and no disk behind.
/// </summary>
[Collection(QemuMigrationTests.Name)]
public sealed class DiskMigrationTests(QemuFixture fixture, ITestOutputHelper output)
{
    private const int DiskMiB = 64;

    [QemuFact]
    public async Task GuestWithADisk_MigratedBetweenAgents_DiskAndMemoryArriveWhole()
    {
        await using var source = await fixture.StartAgentAsync("src");
        await using var destination = await fixture.StartAgentAsync("dst");
        using var src = new AgentClient(source.BaseAddress);
        using var dst = new AgentClient(destination.BaseAddress);
        var sourceDisk = await BootWithDiskAsync(source, src);
        await AgentTestSteps.StartMemtestAsync(src, "vm-1", mib: 16, pagesPerSecond: 500);
        var sourceHash = Sha256(sourceDisk);

        using var response = await AgentTestSteps.MigrateAsync(src, dst, destination.BaseAddress, "vm-1", diskMiB: DiskMiB);
        var report = await AgentClient.ReadAsync<MigrationReport>(response);

        output.WriteLine($"migration: {report.Describe()}");
        var destinationDisk = Path.Combine(destination.Agent.Options.EffectiveRunDirectory, "vm-1.disk");
        Assert.Equal(sourceHash, Sha256(destinationDisk));
        Assert.Equal((long)DiskMiB << 20, report.DiskBytes);
        Assert.NotNull(report.Disk);
        Assert.True(report.Disk.StreamBytes > 12L << 20, $"the NBD stream carried {report.Disk.StreamBytes} bytes for 12 MiB written");
        Assert.True(report.Disk.WireBytes < report.Disk.StreamBytes, $"{report.Disk.WireBytes} bytes on the wire for a {report.Disk.StreamBytes}-byte NBD stream");
        output.WriteLine($"memtest after the migration: {await AgentTestSteps.AssertMemoryIntactAsync(dst, "vm-1")}");
        Assert.True(await destination.Agent.GuestDiskIntactAsync("vm-1", CancellationToken.None), "the guest at the destination did not read back what it wrote");
        Assert.Equal(DiskMiB, (await dst.GetJsonAsync<VmInfo>("api/vms/vm-1")).DiskMiB);
        Assert.False(File.Exists(sourceDisk), $"the source's disk {sourceDisk} is left behind");
        await AgentTestSteps.AssertNothingLeftAsync(source);
        Assert.Empty(Directory.GetDirectories(source.Agent.Options.EffectiveRunDirectory));
    }

    /// <summary>The destination's incoming QEMU dies once it exported its disk (the mirror under way): the VM runs on, whole, at the source; the destination keeps no disk.</summary>
    [QemuFact]
    public async Task DestinationQemuKilledMidMirror_VmKeepsRunningAtSource_NoDiskLeftAtDestination()
    {
        await using var source = await fixture.StartAgentAsync("src");
        await using var destination = await fixture.StartAgentAsync("dst");
        using var src = new AgentClient(source.BaseAddress);
        using var dst = new AgentClient(destination.BaseAddress);
        await BootWithDiskAsync(source, src);
        await AgentTestSteps.StartMemtestAsync(src, "vm-1", mib: 8);
        var migration = AgentTestSteps.MigrateAsync(src, dst, destination.BaseAddress, "vm-1", diskMiB: DiskMiB);
        VmInfo? incoming = null;
        await AgentTestSteps.EventuallyAsync(
            async () =>
            {
                incoming = (await dst.GetJsonAsync<List<VmInfo>>("api/vms")).SingleOrDefault(v => v.State == VmState.Incoming && v.Pid > 0);
                return incoming is not null && destination.Agent.IncomingDiskExported("vm-1");
            },
            "the destination exports the incoming disk");

        using (var qemu = Process.GetProcessById(incoming?.Pid ?? 0))
        {
            qemu.Kill();
        }

        using var response = await migration;
        var (type, detail) = await AgentClient.ProblemAsync(response, 502);
        output.WriteLine(detail);
        Assert.Equal("urn:roost:problem:migration-failed", type);
        Assert.Contains("the VM runs on the source", detail, StringComparison.Ordinal);
        Assert.Equal(VmState.Running, (await src.GetJsonAsync<VmInfo>("api/vms/vm-1")).State);
        await AgentTestSteps.AssertMemoryIntactAsync(src, "vm-1");
        Assert.True(await source.Agent.GuestDiskIntactAsync("vm-1", CancellationToken.None), "the guest at the source no longer reads back what it wrote");
        await AgentTestSteps.EventuallyAsync(() => AgentTestSteps.ListsOnlyAsync(dst), "the destination forgets the VM");
        await AgentTestSteps.AssertNothingLeftAsync(destination);
        var run = destination.Agent.Options.EffectiveRunDirectory;
        Assert.False(File.Exists(Path.Combine(run, "vm-1.disk")), "the destination's partial disk is left behind");
        Assert.Empty(Directory.GetDirectories(run));
    }

    /// <summary>
    /// Boots vm-1 with a 64 MiB disk: the guest writes 4 MiB of random bytes to it (<c>disk fill</c>, checked later with
    /// <c>disk check</c>) and the host puts 8 MiB of the kernel image in it, twice (content the relay deduplicates).
    /// </summary>
    private async Task<string> BootWithDiskAsync(AgentServer agent, AgentClient client)
    {
        using (var created = await client.PostAsync("api/vms", new CreateVmRequest("vm-1", 1, 128, DiskMiB: DiskMiB)))
        {
            var vm = await AgentClient.ReadAsync<VmInfo>(created);
            Assert.Equal(DiskMiB, vm.DiskMiB);
        }

        var disk = Path.Combine(agent.Agent.Options.EffectiveRunDirectory, "vm-1.disk");
        Assert.Equal((long)DiskMiB << 20, new FileInfo(disk).Length);
        var content = File.ReadAllBytes(fixture.Image.KernelPath).AsSpan(0, 8 << 20).ToArray();
        using (var handle = File.OpenHandle(disk, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            RandomAccess.Write(handle, content, 16L << 20);
            RandomAccess.Write(handle, content, 32L << 20);
        }

        Assert.Null(await agent.Agent.GuestDiskAsync("vm-1", 4, CancellationToken.None));
        return disk;
    }

    private static string Sha256(string path)
    {
        using var file = File.Open(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return Convert.ToHexString(SHA256.HashData(file));
    }
}
