using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Agents;

/// <summary>
/// The controller over real agents: two agents on 127.0.0.1 with QEMU guests, one driven hot through the guest's load
/// command; the control loop must see the hotspot, migrate a VM live, and show the migration in the API and in the
/// dashboard's data.
/// </summary>
public sealed class AgentEndToEndTests(ITestOutputHelper output)
{
    [QemuFact]
    public async Task HotAgent_IsRelieved_ByALiveMigrationShownInTheApiAndDashboard()
    {
        await using var testbed = await AgentTestbed.StartAsync();
        // The small host gets two guests; the big one a single idle guest. Declared capacities are what Sandpiper
        // plans with: 2 vCPUs / 1 GiB and 8 vCPUs / 2 GiB.
        var small = await testbed.StartAgentAsync("small", cpus: 2, memoryMiB: 1024);
        var big = await testbed.StartAgentAsync("big", cpus: 8, memoryMiB: 2048);
        await Task.WhenAll(
            testbed.BootAsync(small, "vm-0", 1, 128),
            testbed.BootAsync(small, "vm-1", 1, 128),
            testbed.BootAsync(big, "vm-2", 1, 128));

        // Every guest writes memory, so the migration below is checked for lost writes, not only for a live guest.
        await Task.WhenAll(
            testbed.StartMemtestAsync(small, "vm-0"),
            testbed.StartMemtestAsync(small, "vm-1"),
            testbed.StartMemtestAsync(big, "vm-2"));
        using var data = new TempDirectory();
        var options = new ControllerOptions(data.Path)
        {
            Listen = "127.0.0.1:0",
            Agents = new AgentFleet([small.BaseAddress, big.BaseAddress], AgentTestbed.Token),
            Loop = ControlLoopOptions.Default with { Interval = TimeSpan.FromSeconds(1) },
        };
        await using var controller = await ControllerApp.StartAsync(options, CancellationToken.None);
        using var api = new HttpClient { BaseAddress = controller.Address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", controller.Tokens.Current);

        // Sandpiper's threshold is a run-time setting: a quarter of the small host is half a core, which one busy
        // guest CPU exceeds and idle TCG guests do not.
        using (var put = await api.PutAsJsonAsync("/api/settings", new { mode = "automatic", threshold = 0.25, maxConcurrentMigrations = 1 }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        // The first observation of the agents lands after start; on a loaded machine that can take a few seconds.
        var names = await Poll.UntilAsync(
            async () =>
            {
                var hosts = await api.GetFromJsonAsync<JsonElement>("/api/hosts");
                var vms = await api.GetFromJsonAsync<JsonElement>("/api/vms");
                return hosts.GetArrayLength() == 2 && vms.GetArrayLength() == 3
                    ? hosts.EnumerateArray().Select(h => h.GetProperty("name").GetString() ?? "").ToArray()
                    : null;
            },
            TimeSpan.FromSeconds(60),
            async () => $"hosts: {await api.GetStringAsync("/api/hosts")}; vms: {await api.GetStringAsync("/api/vms")}");
        Assert.Equal(new[] { small.Agent.Name, big.Agent.Name }, names);

        await testbed.LoadAsync(small, "vm-0", 1);

        var migration = await Poll.UntilAsync(
            async () =>
            {
                var list = await api.GetFromJsonAsync<JsonElement>("/api/migrations");
                return list.EnumerateArray().Where(m => m.GetProperty("status").GetString() == "succeeded").Select(m => (JsonElement?)m).FirstOrDefault() is { } m
                    ? new Box(m)
                    : null;
            },
            TimeSpan.FromSeconds(150),
            async () => $"no migration succeeded; events: {await EventsTextAsync(api)}");

        var moved = $"vm-{migration.Value.GetProperty("vm").GetInt32()}";
        output.WriteLine($"migrated {moved}: {migration.Value}");
        Assert.Equal(0, migration.Value.GetProperty("fromHost").GetInt32());
        Assert.Equal(1, migration.Value.GetProperty("toHost").GetInt32());
        Assert.Contains((moved, "running"), await testbed.ListAsync(big));
        output.WriteLine($"memtest of {moved} after the migration: {await testbed.AssertMemoryIntactAsync(big, moved)}");
        Assert.DoesNotContain(await testbed.ListAsync(small), v => v.Id == moved);
        var vm = await api.GetFromJsonAsync<JsonElement>($"/api/vms/{migration.Value.GetProperty("vm").GetInt32()}");
        Assert.Equal(1, vm.GetProperty("host").GetInt32());
        var events = await api.GetFromJsonAsync<JsonElement>("/api/events?limit=200");
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("kind").GetString() == "hotspot" && e.GetProperty("message").GetString()!.Contains("host-0 is hot", StringComparison.Ordinal));

        // The dashboard polls /api/overview: the migration is in its log there.
        var overview = await api.GetFromJsonAsync<JsonElement>("/api/overview");
        Assert.Contains(overview.GetProperty("migrations").EnumerateArray(), m => m.GetProperty("id").GetInt64() == migration.Value.GetProperty("id").GetInt64());
        Assert.Equal("agents (2)", overview.GetProperty("driver").GetString());
        Assert.Equal("real", overview.GetProperty("driverKind").GetString());
    }

    internal static async Task<string> EventsTextAsync(HttpClient api)
    {
        var events = await api.GetFromJsonAsync<JsonElement>("/api/events?limit=30");
        return string.Join(" | ", events.EnumerateArray().Select(e => e.GetProperty("message").GetString()));
    }

    /// <summary>A JSON element as a reference, for <see cref="Poll"/>.</summary>
    private sealed record Box(JsonElement Value);
}
