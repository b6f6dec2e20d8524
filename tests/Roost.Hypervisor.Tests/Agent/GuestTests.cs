using System.Text;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// One real guest: its RAM read from the host, its statistics, load commands, pause/resume and stop. Tests that only
/// look share the fixture's guest (<see cref="QemuFixture.SharedGuestAsync"/>); the others boot their own.
/// </summary>
[Collection(QemuTests.Name)]
public sealed class GuestTests(QemuFixture fixture)
{
    [QemuFact]
    public async Task MarkerWrittenInsideGuest_IsFoundInPagesReadThroughTheAgent()
    {
        var (agent, vm) = await fixture.SharedGuestAsync();
        using var client = new AgentClient(agent.BaseAddress);
        var marker = $"roost-marker-{vm.Pid}-7f3a";
        using (var mark = await client.PostAsync("api/vms/vm-1/marker", new MarkerRequest(marker)))
        {
            Assert.True(mark.IsSuccessStatusCode, await mark.Content.ReadAsStringAsync());
        }

        var found = -1L;
        var needle = Encoding.ASCII.GetBytes(marker);
        var chunk = AgentEndpoints.MaxMemoryRead;
        for (long offset = 0; offset < 128L * 1024 * 1024 && found < 0; offset += chunk)
        {
            using var response = await client.GetAsync($"api/vms/vm-1/memory?offset={offset}&length={chunk}");
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var bytes = await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(chunk, bytes.Length);
            var index = bytes.AsSpan().IndexOf(needle);
            found = index >= 0 ? offset + index : -1;
        }

        Assert.True(found >= 0, $"marker '{marker}' not found in the guest's 128 MiB of RAM");
    }

    [QemuFact]
    public async Task MemoryRangeOutsideRam_Is400Problem()
    {
        var (agent, _) = await fixture.SharedGuestAsync();
        using var client = new AgentClient(agent.BaseAddress);

        using var response = await client.GetAsync($"api/vms/vm-1/memory?offset={128L * 1024 * 1024}&length=4096");
        using var farOut = await client.GetAsync($"api/vms/vm-1/memory?offset={long.MaxValue}&length=4096");

        var (_, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Contains("outside VM 'vm-1' RAM of 134217728 bytes", detail, StringComparison.Ordinal);
        var (_, farDetail) = await AgentClient.ProblemAsync(farOut, 400);
        Assert.Contains("outside VM 'vm-1' RAM of 134217728 bytes", farDetail, StringComparison.Ordinal);
    }

    [QemuFact]
    public async Task BftNode_ForAGuestNotOfTheBftExecutorImage_Is409_AndSendsNoKeys()
    {
        var (agent, _) = await fixture.SharedGuestAsync();
        using var client = new AgentClient(agent.BaseAddress);
        var image = (await client.GetJsonAsync<VmInfo>("api/vms/vm-1")).Image;

        using var response = await client.PostAsync("api/vms/vm-1/bft-node", new BftNodeRequest("e2", "deployment\n", "secret-key-text\n", "10.0.0.1:4000"));

        var (type, detail) = await AgentClient.ProblemAsync(response, 409);
        Assert.Equal("urn:roost:problem:conflict", type);
        Assert.Contains($"runs image '{image}', not 'bft-executor'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-key-text", detail, StringComparison.Ordinal);
        Assert.Equal(VmState.Running, (await client.GetJsonAsync<VmInfo>("api/vms/vm-1")).State);
    }

    [QemuFact]
    public async Task Stats_CombineHostAndGuestViews_AndBusyLoopShowsInGuestCpu()
    {
        await using var agent = await fixture.StartAgentAsync("stats");
        using var client = new AgentClient(agent.BaseAddress);
        await AgentTestSteps.BootAsync(client, "vm-1");
        var idle = await AgentTestSteps.WaitForSeqAsync(client, "vm-1", 2);

        using (var load = await client.PostAsync("api/vms/vm-1/load", new LoadRequest(1, null)))
        {
            Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync());
        }

        var busy = await AgentTestSteps.WaitForSeqAsync(client, "vm-1", idle.Seq + 3);
        var stats = await client.GetJsonAsync<VmStats>("api/vms/vm-1/stats");
        Assert.True(stats.HostCpuSeconds > 0, "QEMU used no CPU time");
        Assert.True(stats.HostResidentBytes > 0, "QEMU has no resident memory");
        Assert.InRange(busy.MemTotalKiB, 1, 128 * 1024);
        Assert.True(busy.CpuUser - idle.CpuUser > busy.CpuIdle - idle.CpuIdle,
            $"busy loop not visible: user +{busy.CpuUser - idle.CpuUser} ticks, idle +{busy.CpuIdle - idle.CpuIdle} ticks");
    }

    [QemuFact]
    public async Task PauseResumeStop_FollowTheStateMachine_AndStopLeavesNothing()
    {
        await using var agent = await fixture.StartAgentAsync("life");
        using var client = new AgentClient(agent.BaseAddress);
        await AgentTestSteps.BootAsync(client, "vm-1");

        var paused = await AgentClient.ReadAsync<VmInfo>(await client.PostAsync("api/vms/vm-1/pause", null));
        using var pauseAgain = await client.PostAsync("api/vms/vm-1/pause", null);
        var resumed = await AgentClient.ReadAsync<VmInfo>(await client.PostAsync("api/vms/vm-1/resume", null));
        var now = await AgentTestSteps.WaitForSeqAsync(client, "vm-1", 1);
        await AgentTestSteps.WaitForSeqAsync(client, "vm-1", now.Seq + 1);
        var stopped = await AgentClient.ReadAsync<VmInfo>(await client.PostAsync("api/vms/vm-1/stop", null));

        Assert.Equal(VmState.Paused, paused.State);
        var (type, _) = await AgentClient.ProblemAsync(pauseAgain, 409);
        Assert.Equal("urn:roost:problem:conflict", type);
        Assert.Equal(VmState.Running, resumed.State);
        Assert.Equal("vm-1", stopped.Id);
        Assert.True(await AgentTestSteps.ListsOnlyAsync(client));
        await AgentTestSteps.AssertNothingLeftAsync(agent);
    }

    [QemuFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task GuestRamFile_AndRunDirectory_AreOwnerOnly()
    {
        var (agent, vm) = await fixture.SharedGuestAsync();

        // QEMU has written the guest's RAM by now (the guest booted): the mode it was created with still holds.
        Assert.Equal(PrivateFiles.FileMode, File.GetUnixFileMode(vm.MemoryPath));
        Assert.Equal(PrivateFiles.DirectoryMode, File.GetUnixFileMode(agent.Agent.Options.EffectiveRunDirectory));
        Assert.True(new FileInfo(vm.MemoryPath).Length >= 128L * 1024 * 1024, "QEMU did not use the pre-created RAM file");
    }

    [QemuFact]
    public async Task Memtest_ChecksEveryPage_AndFindsAPageCorruptedFromTheHost()
    {
        await using var agent = await fixture.StartAgentAsync("memtest");
        using var client = new AgentClient(agent.BaseAddress);
        var vm = await AgentTestSteps.BootAsync(client, "vm-1");

        // One write a second over 4,096 pages: the page corrupted below is all but surely not rewritten before the check.
        var started = await AgentClient.ReadAsync<MemtestReport>(await client.PostAsync("api/vms/vm-1/memtest", new MemtestRequest(16, 1)));
        var clean = await AgentClient.ReadAsync<MemtestReport>(await client.GetAsync("api/vms/vm-1/memtest"));
        var offset = FindVerifierPage(vm.MemoryPath, page: 17);
        using (var ram = File.OpenHandle(vm.MemoryPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            RandomAccess.Write(ram, new byte[] { 0xAB, 0xCD }, offset + 1000);
        }

        var corrupted = await AgentClient.ReadAsync<MemtestReport>(await client.GetAsync("api/vms/vm-1/memtest"));
        var repaired = await AgentClient.ReadAsync<MemtestReport>(await client.GetAsync("api/vms/vm-1/memtest"));

        Assert.Equal((0L, 4096L, 0L), (started.Checks, started.Pages, started.Checked));
        Assert.Equal((1L, 4096L, 0L), (clean.Checks, clean.Checked, clean.Wrong));
        Assert.Equal((2L, 4096L, 1L, 1L), (corrupted.Checks, corrupted.Checked, corrupted.Wrong, corrupted.Torn + corrupted.Garbage));
        Assert.Equal((0L, 1L), (repaired.Wrong, repaired.WrongTotal));
    }

    [QemuFact]
    public async Task Memtest_BadRequests_AreProblems()
    {
        var (agent, _) = await fixture.SharedGuestAsync();
        using var client = new AgentClient(agent.BaseAddress);

        var cases = new (Func<Task<HttpResponseMessage>> Call, int Status, string Expected)[]
        {
            (() => client.GetAsync("api/vms/vm-1/memtest"), 409, "memory verifier does not run"),
            (() => client.PostRawAsync("api/vms/vm-1/memtest", "{}"), 400, "give mib"),
            (() => client.PostRawAsync("api/vms/vm-1/memtest", "{\"mib\":\"NaN\",\"pagesPerSecond\":1}"), 400, "field 'mib' must be an integer"),
            (() => client.PostRawAsync("api/vms/vm-1/memtest", "{\"mib\":8,\"pagesPerSecond\":1,\"shell\":\"x\"}"), 400, "unknown field 'shell'"),
            (() => client.PostAsync("api/vms/vm-1/memtest", new MemtestRequest(0, 100)), 400, "must be from 1 to 64"),
            (() => client.PostAsync("api/vms/vm-1/memtest", new MemtestRequest(65, 100)), 400, "must be from 1 to 64"),
            (() => client.PostAsync("api/vms/vm-1/memtest", new MemtestRequest(8, 0)), 400, "pagesPerSecond 0"),
            (() => client.PostAsync("api/vms/vm-1/memtest", new MemtestRequest(8, 2_000_000)), 400, "pagesPerSecond 2000000"),
            (() => client.PostAsync("api/vms/vm-2/memtest", new MemtestRequest(8, 100)), 404, "no VM 'vm-2'"),
        };
        foreach (var (call, status, expected) in cases)
        {
            using var response = await call();
            var (_, detail) = await AgentClient.ProblemAsync(response, status);
            Assert.Contains(expected, detail, StringComparison.Ordinal);
        }
    }

    /// <summary>The byte offset in the guest RAM file of the verifier's page <paramref name="page"/> (its header: the index, then the version and "Roos").</summary>
    private static long FindVerifierPage(string memoryPath, long page)
    {
        var index = BitConverter.GetBytes(page);
        var buffer = new byte[4096];
        using var ram = File.OpenHandle(memoryPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var size = RandomAccess.GetLength(ram);
        for (long offset = 0; offset < size; offset += 4096)
        {
            RandomAccess.Read(ram, buffer, offset);
            if (buffer.AsSpan(0, 8).SequenceEqual(index) && BitConverter.ToUInt32(buffer, 12) == 0x526f6f73)
            {
                return offset;
            }
        }

        throw new Xunit.Sdk.XunitException($"the verifier's page {page} is not in {memoryPath}");
    }

    [QemuFact]
    public async Task ImageBuild_SecondTime_ComesFromTheCache()
    {
        var builder = new Roost.Hypervisor.Images.GuestImageBuilder(Roost.Hypervisor.Images.GuestImageBuilder.DefaultCacheRoot());

        var result = await builder.BuildAsync("minimal", CancellationToken.None);

        var built = Assert.IsType<Roost.Hypervisor.Images.ImageBuildResult.Built>(result);
        Assert.True(built.FromCache);
        Assert.Equal(fixture.Image, built.Image);
    }
}
