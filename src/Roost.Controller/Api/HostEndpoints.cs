using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>Hosts, each by its name or id (<see cref="NameOrId"/>): as last observed, and into or out of maintenance.</summary>
public static class HostEndpoints
{
    private const string Kind = "host";
    private const string IdPrefix = "host-";

    public static IEndpointRouteBuilder MapHostEndpoints(this IEndpointRouteBuilder app)
    {
        var hosts = app.MapGroup("/api/hosts").WithTags("Hosts");
        hosts.MapGet("/", ListHosts).ProducesProblems(StatusCodes.Status400BadRequest);
        hosts.MapGet("/{host}", GetHost).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        hosts.MapPost("/{host}/maintenance", SetMaintenance).Accepts<MaintenanceRequest>("application/json")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return app;
    }

    private static Results<Ok<HostResponse[]>, ProblemHttpResult> ListHosts(HttpRequest request, LiveState live)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(request, errors);
        return errors.IsEmpty ? TypedResults.Ok(live.Current.Hosts.Select(HostResponse.From).ToArray()) : Problems.Invalid(errors);
    }

    private static Results<Ok<HostResponse>, ProblemHttpResult> GetHost(string host, LiveState live) =>
        NameOrId.TryResolve(host, Kind, IdPrefix, live.Current.Hosts, h => h.Id.Value, h => h.Name, out var found, out var problem)
            ? TypedResults.Ok(HostResponse.From(found))
            : problem;

    private static async Task<Results<Accepted<HostResponse>, ProblemHttpResult>> SetMaintenance(
        string host, HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, LiveState live, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<MaintenanceRequest, bool>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var enabled, out var problem))
        {
            return problem;
        }

        if (!NameOrId.TryResolve(host, Kind, IdPrefix, await store.GetHostsAsync(cancellationToken), h => h.Id.Value, h => h.Name, out var found, out problem))
        {
            return problem;
        }

        if (!await store.SetMaintenanceAsync(found.Id, enabled, cancellationToken))
        {
            return Problems.NotFound($"{found.Id} does not exist");
        }

        await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("maintenance", NewEvent.Host(found.Name), $"{found.Id} ({found.Name}) {(enabled ? "entering" : "leaving")} maintenance (operator)"), cancellationToken);
        loop.Nudge();
        var seen = live.Current.Hosts.FirstOrDefault(h => h.Id == found.Id);
        return TypedResults.Accepted($"/api/hosts/{found.Id.Value}", seen is null ? null : HostResponse.From(seen with { Maintenance = enabled }));
    }
}
