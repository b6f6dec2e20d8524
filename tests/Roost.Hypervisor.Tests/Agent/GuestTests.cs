using System.Text;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>One real guest: its RAM read from the host, its statistics, load commands, pause/resume and stop.</summary>
[Collection(QemuTests.Name)]
public sealed class GuestTests(QemuFixture fixture)
{
    [QemuFact]
    public async Task MarkerWrittenInsideGuest_IsFoundInPagesReadThroughTheAgent()
    {
        var agent = await fixture.StartAgentAsync("mem");
        using var client = new AgentClient(agent.BaseAddress);
        var vm = await AgentTestSteps.BootAsync(client, "vm-1");
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
        var agent = await fixture.StartAgentAsync("mem");
        using var client = new AgentClient(agent.BaseAddress);
        await AgentTestSteps.BootAsync(client, "vm-1");

        using var response = await client.GetAsync($"api/vms/vm-1/memory?offset={128L * 1024 * 1024}&length=4096");

        var (_, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Contains("outside VM 'vm-1' RAM of 134217728 bytes", detail, StringComparison.Ordinal);
    }

    [QemuFact]
    public async Task Stats_CombineHostAndGuestViews_AndBusyLoopShowsInGuestCpu()
    {
        var agent = await fixture.StartAgentAsync("stats");
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
        var agent = await fixture.StartAgentAsync("life");
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
    public async Task ImageBuild_SecondTime_ComesFromTheCache()
    {
        var builder = new Roost.Hypervisor.Images.GuestImageBuilder(Roost.Hypervisor.Images.GuestImageBuilder.DefaultCacheRoot());

        var result = await builder.BuildAsync("minimal", CancellationToken.None);

        var built = Assert.IsType<Roost.Hypervisor.Images.ImageBuildResult.Built>(result);
        Assert.True(built.FromCache);
        Assert.Equal(fixture.Image, built.Image);
    }
}
