using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Store;
using Roost.Controller.Tests.Api;
using Roost.Core.Model;

namespace Roost.Controller.Tests.Control;

public sealed class RestartTests
{
    [Fact]
    public async Task Restart_KeepsAcknowledgedRequests_AndReconcilesTheActionInFlight()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        var token = fixture.Controller.Tokens.Current;
        var vm = (await fixture.Controller.Store.GetVmsAsync(default))[0];
        var from = vm.Host ?? throw new InvalidOperationException("placed");
        var to = new HostId(from.Value == 5 ? 4 : 5);
        using var migrate = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, $"/api/vms/{vm.Id.Value}/migrate", JsonContent.Create(new { host = to.Value })));
        var planId = (await migrate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        await fixture.StepAsync();
        Assert.Equal(ActionStatus.InFlight, (await fixture.Controller.Store.FindPlanAsync(planId, default))?.Actions[0].Status);
        using var create = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, "/api/vms", JsonContent.Create(new { name = "late", cpuCores = 1, memoryMiB = 512, networkMbps = 10 })));
        var createdId = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        // Stopped mid-migration, with a creation acknowledged but not yet carried out.
        await fixture.RestartAsync();
        await fixture.StepAsync();

        Assert.Equal(token, fixture.Controller.Tokens.Current);
        var plan = await fixture.Controller.Store.FindPlanAsync(planId, default);
        Assert.NotNull(plan);
        var action = Assert.Single(plan.Actions);
        Assert.Equal(ActionStatus.Failed, action.Status);
        Assert.Contains("aborted", action.Outcome, StringComparison.Ordinal);
        Assert.Equal(PlanStatus.Failed, plan.Status);
        Assert.Equal(from, (await fixture.Controller.Store.FindVmAsync(vm.Id, default))?.Host);
        Assert.Equal(VmState.Running, (await fixture.Controller.Store.FindVmAsync(new VmId(createdId), default))?.State);
        Assert.Equal(13, (await fixture.Controller.Store.GetVmsAsync(default)).Count);
        Assert.Contains(await fixture.Controller.Store.GetRecentEventsAsync(50, EventFilter.All, default), e => e.Kind == "restart");
    }
}
