using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The guest memory verifier's API: <c>POST /api/vms/{id}/memtest {"mib":…,"pagesPerSecond":…}</c> starts it,
/// <c>GET …/memtest</c> has it check every page and returns its counts (<see cref="MemtestReport"/>),
/// <c>DELETE …/memtest</c> stops it. Every error is an RFC 7807 problem.
/// </summary>
public static class MemtestEndpoints
{
    public static IEndpointRouteBuilder MapMemtestEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var vms = app.MapGroup("/api/vms").WithTags("VMs");
        vms.MapPost("/{id}/memtest", StartAsync).Accepts<MemtestRequest>("application/json")
            .WithSummary("Start the guest's memory verifier: pages rewritten at a set rate, each checkable against a version table");
        vms.MapGet("/{id}/memtest", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.CheckMemtestAsync(id, http.RequestAborted).ConfigureAwait(false), http))
            .WithSummary("Have the verifier check every page now; returns pages checked, wrong pages and the write rate achieved");
        vms.MapDelete("/{id}/memtest", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.StopMemtestAsync(id, http.RequestAborted).ConfigureAwait(false), http))
            .WithSummary("Stop the guest's memory verifier");
        return app;
    }

    private static async Task<Results<Ok<MemtestReport>, ProblemHttpResult>> StartAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<MemtestRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<MemtestRequest>.Ok { Value: var request })
        {
            return Respond<MemtestReport>(((AgentOutcome<MemtestRequest>.Failed)body).Problem, http);
        }

        if (request.Mib is not { } mib || request.PagesPerSecond is not { } pagesPerSecond)
        {
            return Respond<MemtestReport>(AgentProblem.BadRequest($"POST {http.Request.Path}: give mib (MiB of guest memory) and pagesPerSecond (1-{HostAgent.MaxMemtestPagesPerSecond})"), http);
        }

        return Respond(await agent.StartMemtestAsync(id, mib, pagesPerSecond, http.RequestAborted).ConfigureAwait(false), http);
    }

    private static Results<Ok<T>, ProblemHttpResult> Respond<T>(AgentOutcome<T> outcome, HttpContext http) => outcome switch
    {
        AgentOutcome<T>.Ok ok => TypedResults.Ok(ok.Value),
        AgentOutcome<T>.Failed failed => failed.Problem.ToResult(http.Request.Path),
        _ => throw new InvalidOperationException("unreachable"),
    };
}
