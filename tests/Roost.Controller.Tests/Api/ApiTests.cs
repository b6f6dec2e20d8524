using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Tests.Api;

public sealed class ApiTests
{
    [Fact]
    public async Task Hosts_Metrics_OpenApi_AndDashboard_AreServed()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();

        var hosts = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/hosts");
        var metrics = await fixture.Client.GetStringAsync("/metrics");
        using var openApi = await fixture.Client.GetAsync("/openapi/v1.json");
        var dashboard = await fixture.Client.GetStringAsync("/");

        Assert.Equal(6, hosts.GetArrayLength());
        Assert.Contains("roost_hosts 6\n", metrics, StringComparison.Ordinal);
        Assert.Contains("roost_host_cpu_utilization{host=\"host-0\"}", metrics, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Contains("/api/plans/{id}/approve", await openApi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("<title>Roost controller</title>", dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApprovingAPendingPlan_ExecutesItsMigration()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        var vm = (await fixture.Controller.Store.GetVmsAsync(default))[0];
        var from = vm.Host ?? throw new InvalidOperationException("seeded VMs are placed");
        var to = new HostId(5);
        var plan = await fixture.Controller.Store.AddPlanAsync(
            new NewPlan(fixture.Time.GetUtcNow(), "sandpiper", PlanStatus.Pending, "test", [new NewAction(ActionKind.Migrate, vm.Id, from, to, vm.Allocation, "test")]),
            default);

        using var approve = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, $"/api/plans/{plan.Id}/approve"));
        using var again = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, $"/api/plans/{plan.Id}/reject"));
        await fixture.StepAsync();
        await fixture.StepAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(HttpStatusCode.OK, approve.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var migrations = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/migrations");
        var migration = migrations.EnumerateArray().Single(m => m.GetProperty("planId").GetInt64() == plan.Id);
        Assert.Equal("succeeded", migration.GetProperty("status").GetString());
        var moved = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/vms/{vm.Id.Value}");
        Assert.Equal(5, moved.GetProperty("host").GetInt32());
        Assert.Equal("completed", (await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/plans/{plan.Id}")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task CreatedVm_IsPlacedOnRequestedHost_AndStopsWhenAsked()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();

        using var created = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, "/api/vms", JsonContent.Create(new { name = "web", cpuCores = 1, memoryMiB = 1024, networkMbps = 10, host = 4 })));
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await fixture.StepAsync();
        var running = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/vms/{id}");
        using var stop = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, $"/api/vms/{id}/stop"));
        await fixture.StepAsync();
        var stopped = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/vms/{id}");

        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        Assert.Equal(("running", 4), (running.GetProperty("state").GetString(), running.GetProperty("host").GetInt32()));
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Maintenance_EvacuatesTheHost()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        var host = (await fixture.Controller.Store.GetVmsAsync(default))[0].Host ?? throw new InvalidOperationException("placed");

        using var response = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, $"/api/hosts/{host.Value}/maintenance", JsonContent.Create(new { enabled = true })));
        for (var i = 0; i < 6; i++)
        {
            await fixture.StepAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var vms = await fixture.Controller.Store.GetVmsAsync(default);
        Assert.DoesNotContain(vms, v => v.State == VmState.Running && v.Host == host);
        var after = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/hosts/{host.Value}");
        Assert.Equal((true, 0), (after.GetProperty("maintenance").GetBoolean(), after.GetProperty("vmCount").GetInt32()));
    }

    [Fact]
    public async Task ManualMode_StoresSandpiperPlansAsPending()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        using var put = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Put, "/api/settings", JsonContent.Create(new { mode = "manual", threshold = 0.3, maxConcurrentMigrations = 2 })));

        // A 30 % threshold makes the busy hosts hot after k = 3 samples, while empty hosts can take VMs.
        for (var i = 0; i < 6; i++)
        {
            await fixture.StepAsync(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var plans = await fixture.Controller.Store.GetPlansAsync(null, 100, default);
        Assert.NotEmpty(plans);
        Assert.All(plans, p => Assert.Equal((PlanStatus.Pending, "sandpiper"), (p.Status, p.Source)));
        Assert.All(plans.SelectMany(p => p.Actions), a => Assert.Equal(ActionStatus.Planned, a.Status));
    }
}
