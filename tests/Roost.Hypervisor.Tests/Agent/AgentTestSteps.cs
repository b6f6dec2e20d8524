using System.Text;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>Steps the real-VM tests share: boot, wait for the guest's counter, check that nothing is left behind.</summary>
internal static class AgentTestSteps
{
    private static readonly TimeSpan _patience = TimeSpan.FromSeconds(60);

    public static async Task<VmInfo> BootAsync(AgentClient client, string id, int memoryMiB = 128)
    {
        using var response = await client.PostAsync("api/vms", new CreateVmRequest(id, 1, memoryMiB));
        var vm = await AgentClient.ReadAsync<VmInfo>(response);
        Assert.Equal(VmState.Running, vm.State);
        return vm;
    }

    /// <summary>Starts the guest's memory verifier: <paramref name="mib"/> MiB rewritten at <paramref name="pagesPerSecond"/> pages a second.</summary>
    public static async Task<MemtestReport> StartMemtestAsync(AgentClient client, string id, int mib = 32, int pagesPerSecond = 2000)
    {
        using var response = await client.PostAsync($"api/vms/{id}/memtest", new MemtestRequest(mib, pagesPerSecond));
        return await AgentClient.ReadAsync<MemtestReport>(response);
    }

    /// <summary>Has the verifier check every page: asserts all were checked and none is wrong, returns the counts.</summary>
    public static async Task<MemtestReport> AssertMemoryIntactAsync(AgentClient client, string id)
    {
        using var response = await client.GetAsync($"api/vms/{id}/memtest");
        var report = await AgentClient.ReadAsync<MemtestReport>(response);
        Assert.True(report.Checked == report.Pages && report.Pages > 0, $"{id}: the verifier checked {report.Checked} of {report.Pages} pages");
        Assert.True(report.Wrong == 0, $"{id}: {report.Wrong} guest pages lost writes ({report})");
        return report;
    }

    /// <summary>A migration ticket from <paramref name="destination"/> (its own token) for VM <paramref name="id"/>.</summary>
    public static async Task<string> TicketAsync(AgentClient destination, string id, int memoryMiB = 128, int? diskMiB = null)
    {
        using var response = await destination.PostAsync("api/incoming/tickets", new CreateVmRequest(id, 1, memoryMiB, DiskMiB: diskMiB));
        return (await AgentClient.ReadAsync<TicketResponse>(response)).Ticket;
    }

    /// <summary>Live-migrates VM <paramref name="id"/> the way the controller does: a ticket from the destination, then the source's migrate.</summary>
    public static async Task<HttpResponseMessage> MigrateAsync(AgentClient source, AgentClient destination, Uri destinationAddress, string id, int? maxBandwidthMiBps = null, int memoryMiB = 128, int? diskMiB = null)
    {
        var ticket = await TicketAsync(destination, id, memoryMiB, diskMiB);
        return await source.PostAsync($"api/vms/{id}/migrate", new MigrateRequest(destinationAddress.ToString(), ticket, maxBandwidthMiBps));
    }

    /// <summary>Polls the VM's stats until the guest reporter's counter reaches <paramref name="seq"/>.</summary>
    public static async Task<GuestReport> WaitForSeqAsync(AgentClient client, string id, long seq)
    {
        var started = TimeProvider.System.GetTimestamp();
        GuestReport? last = null;
        while (TimeProvider.System.GetElapsedTime(started) < _patience)
        {
            using var response = await client.GetAsync($"api/vms/{id}/stats");
            if (response.IsSuccessStatusCode)
            {
                last = (await AgentClient.ReadAsync<VmStats>(response)).Guest;
                if (last is not null && last.Seq >= seq)
                {
                    return last;
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        throw new Xunit.Sdk.XunitException($"VM '{id}': guest counter did not reach {seq} (last {last?.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, failing with <paramref name="what"/> if it never does.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > _patience)
            {
                throw new Xunit.Sdk.XunitException($"never happened: {what}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>No QEMU process runs from the agent's run directory and no guest RAM file of it is in /dev/shm.</summary>
    public static async Task AssertNothingLeftAsync(AgentServer agent)
    {
        var run = agent.Agent.Options.EffectiveRunDirectory;
        await EventuallyAsync(() => Task.FromResult(QemuProcessesUsing(run).Count == 0), $"agent '{agent.Agent.Name}' has no QEMU processes left");
        Assert.Empty(Directory.GetFiles(agent.Agent.Options.ShmDirectory, $"roost.{agent.Agent.Name}.*"));
    }

    public static async Task<bool> ListsOnlyAsync(AgentClient client, params string[] ids)
    {
        var vms = await client.GetJsonAsync<List<VmInfo>>("api/vms");
        return vms.Select(v => v.Id).SequenceEqual(ids);
    }

    private static List<int> QemuProcessesUsing(string runDirectory)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(dir, "cmdline")));
                if (cmdline.Contains("qemu", StringComparison.Ordinal) && cmdline.Contains(runDirectory, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process went away while we looked.
            }
        }

        return found;
    }
}
