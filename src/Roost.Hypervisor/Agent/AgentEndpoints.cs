using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The agent's HTTP/JSON API. Every error is an RFC 7807 problem. <c>/api/incoming</c> is the peer half of live
/// migration, called by the source agent.
/// </summary>
public static class AgentEndpoints
{
    /// <summary>The most guest RAM one <c>GET …/memory</c> returns (4 MiB).</summary>
    public const int MaxMemoryRead = 4 * 1024 * 1024;

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/agent", (HostAgent agent) => TypedResults.Ok(agent.Describe())).WithTags("Agent").WithSummary("Name, capacity and reservations");

        var vms = app.MapGroup("/api/vms").WithTags("VMs");
        vms.MapGet("/", (HostAgent agent) => TypedResults.Ok(agent.List())).WithSummary("List VMs (incoming ones included)");
        vms.MapPost("/", CreateAsync).Accepts<CreateVmRequest>("application/json").WithSummary("Admit and boot a VM; returns when the guest reports");
        vms.MapGet("/{id}", (string id, HostAgent agent, HttpContext http) => Respond(agent.Get(id), http)).WithSummary("One VM");
        vms.MapDelete("/{id}", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.DestroyAsync(id, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Destroy a VM at once");
        vms.MapPost("/{id}/stop", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.StopAsync(id, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Power a VM off");
        vms.MapPost("/{id}/pause", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.PauseAsync(id, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Pause a VM's vCPUs");
        vms.MapPost("/{id}/resume", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.ResumeAsync(id, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Resume a paused VM");
        vms.MapGet("/{id}/stats", (string id, HostAgent agent, HttpContext http) => Respond(agent.Stats(id), http))
            .WithSummary("Black-box (QEMU process) and gray-box (guest reporter) statistics");
        vms.MapGet("/{id}/memory", ReadMemory).Produces(200, contentType: "application/octet-stream")
            .WithSummary("Guest RAM bytes [offset, offset+length), for page fingerprinting");
        vms.MapPost("/{id}/load", LoadAsync).Accepts<LoadRequest>("application/json").WithSummary("Busy-loop guest CPUs / hold guest memory");
        vms.MapPost("/{id}/marker", MarkAsync).Accepts<MarkerRequest>("application/json").WithSummary("Have the guest keep a marker string in RAM");
        vms.MapPost("/{id}/migrate", MigrateAsync).Accepts<MigrateRequest>("application/json").WithSummary("Live-migrate to another agent; returns when done");
        vms.MapGet("/{id}/migration", (string id, HostAgent agent, HttpContext http) => Respond(agent.Progress(id), http))
            .WithSummary("Progress of the current or last outgoing migration");
        vms.MapDelete("/{id}/migration", (string id, HostAgent agent, HttpContext http) => Respond(agent.CancelMigration(id), http))
            .WithSummary("Cancel the outgoing migration; the VM stays here");

        var incoming = app.MapGroup("/api/incoming").WithTags("Migration (peer)");
        incoming.MapPost("/", PrepareIncomingAsync).Accepts<CreateVmRequest>("application/json").WithSummary("Admit a VM and start a QEMU waiting for it");
        incoming.MapPost("/{id}/complete", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.CompleteIncomingAsync(id, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("The stream is complete: adopt the VM");
        incoming.MapDelete("/{id}", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.AbortIncomingAsync(id, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Drop an incoming VM");
        return app;
    }

    private static Results<Ok<T>, ProblemHttpResult> Respond<T>(AgentOutcome<T> outcome, HttpContext http) => outcome switch
    {
        AgentOutcome<T>.Ok ok => TypedResults.Ok(ok.Value),
        AgentOutcome<T>.Failed failed => failed.Problem.ToResult(http.Request.Path),
        _ => throw new InvalidOperationException("unreachable"),
    };

    private static async Task<Results<Ok<VmInfo>, ProblemHttpResult>> CreateAsync(HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<CreateVmRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<CreateVmRequest>.Ok { Value: var request })
        {
            return Respond<VmInfo>(((AgentOutcome<CreateVmRequest>.Failed)body).Problem, http);
        }

        return ToSpec(request) is AgentOutcome<GuestSpec>.Ok { Value: var spec }
            ? Respond(await agent.CreateAsync(spec, http.RequestAborted).ConfigureAwait(false), http)
            : Respond<VmInfo>(((AgentOutcome<GuestSpec>.Failed)ToSpec(request)).Problem, http);
    }

    private static async Task<Results<Ok<IncomingResponse>, ProblemHttpResult>> PrepareIncomingAsync(HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<CreateVmRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<CreateVmRequest>.Ok { Value: var request })
        {
            return Respond<IncomingResponse>(((AgentOutcome<CreateVmRequest>.Failed)body).Problem, http);
        }

        return ToSpec(request) is AgentOutcome<GuestSpec>.Ok { Value: var spec }
            ? Respond(await agent.PrepareIncomingAsync(spec, http.RequestAborted).ConfigureAwait(false), http)
            : Respond<IncomingResponse>(((AgentOutcome<GuestSpec>.Failed)ToSpec(request)).Problem, http);
    }

    private static Results<FileContentHttpResult, ProblemHttpResult> ReadMemory(string id, string? offset, string? length, HostAgent agent, HttpContext http)
    {
        if (!long.TryParse(offset ?? "0", NumberStyles.None, CultureInfo.InvariantCulture, out var start))
        {
            return AgentProblem.BadRequest($"GET {http.Request.Path}: offset '{offset}' is not a non-negative byte offset").ToResult(http.Request.Path);
        }

        if (!int.TryParse(length ?? "4096", NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > MaxMemoryRead)
        {
            return AgentProblem.BadRequest($"GET {http.Request.Path}: length '{length}' is not a byte count from 1 to {MaxMemoryRead}").ToResult(http.Request.Path);
        }

        return agent.ReadMemory(id, start, count) switch
        {
            AgentOutcome<byte[]>.Ok ok => TypedResults.File(ok.Value, "application/octet-stream"),
            AgentOutcome<byte[]>.Failed failed => failed.Problem.ToResult(http.Request.Path),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    private static async Task<Results<Ok<VmInfo>, ProblemHttpResult>> LoadAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<LoadRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<LoadRequest>.Ok { Value: var request })
        {
            return Respond<VmInfo>(((AgentOutcome<LoadRequest>.Failed)body).Problem, http);
        }

        if (request.BusyCpus is < 0 or > 64 || request.HoldMiB is < 0 or > 1_048_576 || (request.BusyCpus is null && request.HoldMiB is null))
        {
            return Respond<VmInfo>(AgentProblem.BadRequest($"POST {http.Request.Path}: give busyCpus (0-64) and/or holdMiB (0 or more)"), http);
        }

        return Respond(await agent.LoadAsync(id, request.BusyCpus, request.HoldMiB, http.RequestAborted).ConfigureAwait(false), http);
    }

    private static async Task<Results<Ok<VmInfo>, ProblemHttpResult>> MarkAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<MarkerRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<MarkerRequest>.Ok { Value: var request })
        {
            return Respond<VmInfo>(((AgentOutcome<MarkerRequest>.Failed)body).Problem, http);
        }

        if (request.Text is null || !HostAgent.MarkerPattern().IsMatch(request.Text))
        {
            return Respond<VmInfo>(AgentProblem.BadRequest($"POST {http.Request.Path}: text must be 1 to 64 letters, digits or dashes"), http);
        }

        return Respond(await agent.MarkAsync(id, request.Text, http.RequestAborted).ConfigureAwait(false), http);
    }

    private static async Task<Results<Ok<MigrationReport>, ProblemHttpResult>> MigrateAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<MigrateRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<MigrateRequest>.Ok { Value: var request })
        {
            return Respond<MigrationReport>(((AgentOutcome<MigrateRequest>.Failed)body).Problem, http);
        }

        if (!Uri.TryCreate(request.Destination, UriKind.Absolute, out var destination) || destination.Scheme is not ("http" or "https"))
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"POST {http.Request.Path}: destination '{request.Destination}' is not an agent URL like http://127.0.0.1:7001/"), http);
        }

        if (request.MaxBandwidthMiBps is < 0)
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"POST {http.Request.Path}: maxBandwidthMiBps {request.MaxBandwidthMiBps} is negative"), http);
        }

        // The migration is not tied to this request: a client that hangs up does not cancel it (DELETE …/migration does).
        var outcome = await agent.MigrateAsync(id, destination, request.DestinationToken, request.MaxBandwidthMiBps ?? 0, CancellationToken.None).ConfigureAwait(false);
        return Respond(outcome, http);
    }

    private static AgentOutcome<GuestSpec> ToSpec(CreateVmRequest request)
    {
        if (request.Id is null || request.Cpus is null || request.MemoryMiB is null)
        {
            return AgentProblem.BadRequest("a VM needs id, cpus and memoryMiB");
        }

        var spec = new GuestSpec(request.Id, request.Cpus.Value, request.MemoryMiB.Value);
        return spec.Validate() is { } invalid ? AgentProblem.BadRequest(invalid) : new AgentOutcome<GuestSpec>.Ok(spec);
    }
}
