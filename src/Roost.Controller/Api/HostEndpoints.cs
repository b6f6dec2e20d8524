using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Api;

public static class HostEndpoints
{
    public static IEndpointRouteBuilder MapHostEndpoints(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/api/hosts").WithTags("Hosts");
        hosts.MapGet("/", ListHosts);
        hosts.MapGet("/{id:int}", GetHost);
        hosts.MapPost("/{id:int}/maintenance", SetMaintenance).Accepts<MaintenanceRequest>("application/json");
        return app;
    }

    private static Ok<HostResponse[]> ListHosts(LiveState live) =>
        TypedResults.Ok(live.Current.Hosts.Select(HostResponse.From).ToArray());

    private static Results<Ok<HostResponse>, ProblemHttpResult> GetHost(int id, LiveState live) =>
        live.Current.Hosts.FirstOrDefault(h => h.Id.Value == id) is { } host
            ? TypedResults.Ok(HostResponse.From(host))
            : Problems.NotFound($"host-{id} does not exist");

    private static async Task<Results<Accepted<HostResponse>, ProblemHttpResult>> SetMaintenance(
        int id, HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, LiveState live, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<MaintenanceRequest, bool>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var enabled, out var problem))
        {
            return problem;
        }

        if (!await store.SetMaintenanceAsync(new HostId(id), enabled, cancellationToken))
        {
            return Problems.NotFound($"host-{id} does not exist");
        }

        await store.AddEventAsync(time.GetUtcNow(), "maintenance", $"host-{id} {(enabled ? "entering" : "leaving")} maintenance (operator)", cancellationToken);
        loop.Nudge();
        var host = live.Current.Hosts.FirstOrDefault(h => h.Id.Value == id);
        return TypedResults.Accepted($"/api/hosts/{id}", host is null ? null : HostResponse.From(host with { Maintenance = enabled }));
    }
}
