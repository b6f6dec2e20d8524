using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Agents;

/// <summary>
/// Memory Buddies' placement driven by the controller over two real agents (issue 15): the controller fingerprints
/// the running guests through their agents, and under <c>placement: sharing</c> a new guest of an image goes beside
/// the running guest of that image, where first fit sends it to the lowest host with room.
/// </summary>
public sealed class SharingPlacementTests(ITestOutputHelper output)
{
    private const int GuestMiB = 128;

    [QemuFact]
    public async Task Controller_PlacesASecondGuestOfAnImageBesideTheFirstUnderSharing_FirstFitOnTheLowestHost()
    {
        await using var testbed = await AgentTestbed.StartAsync();
        var a0 = await testbed.StartAgentAsync("share0", cpus: 4, memoryMiB: 4 * GuestMiB, "kernel-b");
        var a1 = await testbed.StartAgentAsync("share1", cpus: 4, memoryMiB: 4 * GuestMiB, "kernel-b");

        // Each agent's first answer, with the testbed's patient client: on a loaded machine a cold agent's first request
        // can take longer than the controller's 10 s discovery call allows (its later ones do not).
        foreach (var agent in new[] { a0, a1 })
        {
            using var described = await testbed.Http.GetAsync(new Uri(agent.BaseAddress, "api/agent"));
            Assert.True(described.IsSuccessStatusCode, $"{agent.BaseAddress}: {(int)described.StatusCode}");
        }
        using var data = new TempDirectory();
        var options = new ControllerOptions(data.Path)
        {
            Listen = "127.0.0.1:0",
            Agents = new AgentFleet([a0.BaseAddress, a1.BaseAddress], AgentTestbed.Token),
            Loop = ControlLoopOptions.Default with { Interval = TimeSpan.FromSeconds(1) },
        };
        await using var controller = await ControllerApp.StartAsync(options, CancellationToken.None);
        using var api = new HttpClient { BaseAddress = controller.Address, Timeout = TimeSpan.FromMinutes(2) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", controller.Tokens.Current);

        // Guest RAM is read for fingerprints only under sharing placement; a VM given a host goes there whatever the placement.
        await PatchAsync(api, "sharing");

        // Host 0 runs a guest of the cloud kernel's image, host 1 one of the standard kernel's (minimal).
        var other = await CreateAsync(api, "other", "kernel-b", host: 0);
        var first = await CreateAsync(api, "first", "minimal", host: 1);
        foreach (var id in new[] { other, first })
        {
            var pages = await Poll.UntilAsync(
                async () => (await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}")).TryGetProperty("fingerprintPages", out var p) && p.ValueKind == JsonValueKind.Number ? new Box(p) : null,
                TimeSpan.FromSeconds(120),
                async () => $"vm {id} was never fingerprinted; events: {await AgentEndToEndTests.EventsTextAsync(api)}");
            output.WriteLine($"vm-{id}: fingerprint of {pages.Value.GetInt64()} distinct pages");
            Assert.True(pages.Value.GetInt64() > 1000, $"vm-{id}: a booted guest has more than {pages.Value} distinct pages");
        }

        var shared = await CreateAsync(api, "second-sharing", "minimal", host: null);
        await PatchAsync(api, "firstFit");
        var firstFit = await CreateAsync(api, "second-first-fit", "minimal", host: null);

        var events = await AgentEndToEndTests.EventsTextAsync(api);
        output.WriteLine(events);
        Assert.Equal(1, await HostOfAsync(api, shared));
        Assert.Equal(0, await HostOfAsync(api, firstFit));
        Assert.Contains(await testbed.ListAsync(a1), v => v.Id == $"vm-{shared}" && v.State == "running");
        Assert.Matches($"vm-{shared} \\(second-sharing\\) started on host-1 \\(sharing: an estimated [1-9][0-9]* pages", events);
    }

    private static async Task<int> CreateAsync(HttpClient api, string name, string image, int? host)
    {
        using var created = await api.PostAsJsonAsync("/api/vms", new { name, cpuCores = 1, memoryMiB = GuestMiB, networkMbps = 10, host, image });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await Poll.UntilAsync(
            async () => (await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}")).GetProperty("state").GetString() is "running" or "failed" ? new Box(default) : null,
            TimeSpan.FromSeconds(120),
            async () => $"vm {id} ({name}) never started; events: {await AgentEndToEndTests.EventsTextAsync(api)}");
        var vm = await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}");
        Assert.True(vm.GetProperty("state").GetString() == "running", $"{name}: {vm}; events: {await AgentEndToEndTests.EventsTextAsync(api)}");
        Assert.Equal(image, vm.GetProperty("image").GetString());
        return id;
    }

    private static async Task<int> HostOfAsync(HttpClient api, int id) =>
        (await api.GetFromJsonAsync<JsonElement>($"/api/vms/{id}")).GetProperty("host").GetInt32();

    private static async Task PatchAsync(HttpClient api, string placement)
    {
        using var patch = await api.PatchAsync("/api/settings", JsonContent.Create(new { placement }));
        Assert.True(patch.IsSuccessStatusCode, await patch.Content.ReadAsStringAsync());
    }

    private sealed record Box(JsonElement Value);
}
