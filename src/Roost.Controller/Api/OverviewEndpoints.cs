using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>The dashboard's one poll: live hosts and VMs, chart history, pending plans, migration log, events.</summary>
public static class OverviewEndpoints
{
    public static IEndpointRouteBuilder MapOverviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/overview", GetOverview).WithTags("Dashboard");
        return app;
    }

    private static async Task<Ok<OverviewResponse>> GetOverview(IControllerStore store, LiveState live, CancellationToken cancellationToken)
    {
        var view = live.Current;
        var running = view.Vms.ToDictionary(v => v.Id);
        var vms = await store.GetVmsAsync(cancellationToken);
        var pending = await store.GetPlansAsync(PlanStatus.Pending, 20, cancellationToken);
        var migrations = await store.GetActionsAsync(ActionKind.Migrate, 50, cancellationToken);
        var events = await store.GetRecentEventsAsync(50, cancellationToken);
        return TypedResults.Ok(new OverviewResponse(
            view.At,
            Math.Round(view.Clock.TotalSeconds),
            view.Driver,
            SettingsDto.From(view.Settings),
            [.. view.Hosts.Select(HostResponse.From)],
            [.. vms.Where(v => v.State != VmState.Stopped).Select(v => VmResponse.From(v, running.GetValueOrDefault(v.Id)))],
            [.. view.History.Select(TickResponse.From)],
            [.. pending.Select(PlanResponse.From)],
            [.. migrations.Select(ActionResponse.From)],
            [.. events.Select(EventResponse.From)]));
    }
}
