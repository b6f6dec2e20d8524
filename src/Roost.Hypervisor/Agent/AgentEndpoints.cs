using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Ksm;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The agent's HTTP/JSON API. Every error is an RFC 7807 problem. <c>/api/incoming</c> is the peer half of live
/// migration: tickets are issued to this agent's token holder, the other calls are made by the source agent with a
/// ticket.
/// </summary>
public static class AgentEndpoints
{
    /// <summary>The most guest RAM one <c>GET …/memory</c> returns (4 MiB).</summary>
    public const int MaxMemoryRead = 4 * 1024 * 1024;

    /// <summary>The highest bandwidth cap a migration may ask for, in MiB/s.</summary>
    public const int MaxBandwidthMiBps = 100_000;

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/agent", (HostAgent agent) => TypedResults.Ok(agent.Describe())).WithTags("Agent").WithSummary("Name, capacity and reservations");
        app.MapGet("/api/agent/ksm", (HttpContext http) => Respond(KsmStatus.Read(new KsmControl()), http)).WithTags("Agent")
            .WithSummary("Linux KSM's settings and counters on this machine (read only; pages_sharing is the memory merging saves)");

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
        vms.MapPost("/{id}/loadgen", LoadgenAsync).Accepts<LoadgenPlan>("application/json").WithSummary("Run the load generator (MOVE's microbenchmarks) in the guest, replacing a run in progress");
        vms.MapDelete("/{id}/loadgen", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.LoadgenAsync(id, null, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Stop the guest's load generator");
        vms.MapPost("/{id}/app", AppAsync).Accepts<AppRequest>("application/json").WithSummary("Start a guest application (web or db) for MOVE's validation");
        vms.MapDelete("/{id}/app", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.AppAsync(id, null, http.RequestAborted).ConfigureAwait(false), http)).WithSummary("Stop the guest application");
        vms.MapPost("/{id}/bft-node", BftNodeAsync).Accepts<BftNodeRequest>("application/json")
            .WithSummary("Start the BFT execution replica of a bft-executor guest with its deployment and keys (ZZ's sleeping VM)");
        vms.MapPost("/{id}/marker", MarkAsync).Accepts<MarkerRequest>("application/json").WithSummary("Have the guest keep a marker string in RAM");
        vms.MapPost("/{id}/migrate", MigrateAsync).Accepts<MigrateRequest>("application/json").WithSummary("Live-migrate to another agent; returns when done");
        vms.MapGet("/{id}/migration", (string id, HostAgent agent, HttpContext http) => Respond(agent.Progress(id), http))
            .WithSummary("Progress of the current or last outgoing migration (with the reason when it did not complete)");
        vms.MapDelete("/{id}/migration", async (string id, HostAgent agent, HttpContext http) =>
            Respond(await agent.CancelMigrationAsync(id).ConfigureAwait(false), http))
            .WithSummary("Cancel the outgoing migration, in whatever phase: the VM stays here (or, once the stream is complete, the destination decides)");

        var incoming = app.MapGroup("/api/incoming").WithTags("Migration (peer)");
        incoming.MapPost("/tickets", IssueTicketAsync).Accepts<CreateVmRequest>("application/json")
            .WithSummary("Issue a migration ticket admitting one VM here (this agent's token only)");
        incoming.MapPost("/", AdmitIncomingAsync).Accepts<IncomingRequest>("application/json")
            .WithSummary("Admit a VM and start a QEMU waiting for its stream (the migration ticket as bearer)");
        incoming.MapPost("/{id}/complete", (string id, HostAgent agent, HttpContext http) => SettleAsync(id, agent, http, isAbort: false))
            .WithSummary("The stream is complete: adopt the VM; the answer is definite (adopted or dropped)");
        incoming.MapDelete("/{id}", (string id, HostAgent agent, HttpContext http) => SettleAsync(id, agent, http, isAbort: true))
            .WithSummary("Drop an incoming VM; the answer is definite (dropped, or adopted already)");
        incoming.MapPost("/{id}/disk", (string id, HostAgent agent, HttpContext http) => DiskAsync(id, DiskCall.Export, agent, http))
            .WithSummary("Export the incoming VM's empty disk through this agent's NBD relay for the source's mirror; answers the relay's port");
        incoming.MapPost("/{id}/disk/close", (string id, HostAgent agent, HttpContext http) => DiskAsync(id, DiskCall.Close, agent, http))
            .WithSummary("The source's mirror ended whole: stop exporting the disk (the VM may then be adopted)");
        incoming.MapDelete("/{id}/disk", (string id, HostAgent agent, HttpContext http) => DiskAsync(id, DiskCall.Discard, agent, http))
            .WithSummary("Abandon the disk's move: stop exporting and drop the incoming VM with its partial disk");
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

        return ToSpec(request, http) switch
        {
            AgentOutcome<GuestSpec>.Ok { Value: var spec } => Respond(await agent.CreateAsync(spec, http.RequestAborted).ConfigureAwait(false), http),
            AgentOutcome<GuestSpec>.Failed failed => Respond<VmInfo>(failed.Problem, http),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    private static async Task<Results<Ok<TicketResponse>, ProblemHttpResult>> IssueTicketAsync(HostAgent agent, HttpContext http)
    {
        if (!AgentServer.IsOwner(http))
        {
            return Respond<TicketResponse>(AgentProblem.Unauthorized($"POST {http.Request.Path}: only this agent's own token may issue tickets"), http);
        }

        var body = await JsonBody.ReadAsync<CreateVmRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<CreateVmRequest>.Ok { Value: var request })
        {
            return Respond<TicketResponse>(((AgentOutcome<CreateVmRequest>.Failed)body).Problem, http);
        }

        return ToSpec(request, http) switch
        {
            AgentOutcome<GuestSpec>.Ok { Value: var spec } => Respond(agent.IssueTicket(spec), http),
            AgentOutcome<GuestSpec>.Failed failed => Respond<TicketResponse>(failed.Problem, http),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    private static async Task<Results<Ok<IncomingResponse>, ProblemHttpResult>> AdmitIncomingAsync(HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<IncomingRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<IncomingRequest>.Ok { Value: var request })
        {
            return Respond<IncomingResponse>(((AgentOutcome<IncomingRequest>.Failed)body).Problem, http);
        }

        byte[]? secret = null;
        if (request.RelaySecret is { } hex)
        {
            if (hex.Length != 2 * RelaySecrets.SecretBytes || !hex.All(char.IsAsciiHexDigitLower))
            {
                return Respond<IncomingResponse>(AgentProblem.BadRequest($"POST {http.Request.Path}: relaySecret is not {2 * RelaySecrets.SecretBytes} lower-case hex digits"), http);
            }

            secret = Convert.FromHexString(hex);
        }

        return ToSpec(new CreateVmRequest(request.Id, request.Cpus, request.MemoryMiB, request.Nic, request.DiskMiB, request.Image), http) switch
        {
            AgentOutcome<GuestSpec>.Ok { Value: var spec } =>
                Respond(await agent.AdmitIncomingAsync(spec, AgentServer.BearerOf(http), secret, http.RequestAborted).ConfigureAwait(false), http),
            AgentOutcome<GuestSpec>.Failed failed => Respond<IncomingResponse>(failed.Problem, http),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    private static async Task<Results<Ok<IncomingSettlement>, ProblemHttpResult>> SettleAsync(string id, HostAgent agent, HttpContext http, bool isAbort) =>
        Respond(await agent.SettleIncomingAsync(id, AgentServer.BearerOf(http), AgentServer.IsOwner(http), isAbort).ConfigureAwait(false), http);

    private static async Task<Results<Ok<IncomingDiskResponse>, ProblemHttpResult>> DiskAsync(string id, DiskCall call, HostAgent agent, HttpContext http) =>
        Respond(await agent.IncomingDiskAsync(id, AgentServer.BearerOf(http), call, http.RequestAborted).ConfigureAwait(false), http);

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

    private static async Task<Results<Ok<VmInfo>, ProblemHttpResult>> LoadgenAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<LoadgenPlan>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<LoadgenPlan>.Ok { Value: var plan })
        {
            return Respond<VmInfo>(((AgentOutcome<LoadgenPlan>.Failed)body).Problem, http);
        }

        return plan.Validate() is { } invalid
            ? Respond<VmInfo>(AgentProblem.BadRequest($"POST {http.Request.Path}: {invalid}"), http)
            : Respond(await agent.LoadgenAsync(id, plan, http.RequestAborted).ConfigureAwait(false), http);
    }

    private static async Task<Results<Ok<VmInfo>, ProblemHttpResult>> AppAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<AppRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<AppRequest>.Ok { Value: var request })
        {
            return Respond<VmInfo>(((AgentOutcome<AppRequest>.Failed)body).Problem, http);
        }

        return request.Validate() is { } invalid
            ? Respond<VmInfo>(AgentProblem.BadRequest($"POST {http.Request.Path}: {invalid}"), http)
            : Respond(await agent.AppAsync(id, request, http.RequestAborted).ConfigureAwait(false), http);
    }

    private static async Task<Results<Ok<VmInfo>, ProblemHttpResult>> BftNodeAsync(string id, HostAgent agent, HttpContext http)
    {
        var body = await JsonBody.ReadAsync<BftNodeRequest>(http.Request, http.RequestAborted).ConfigureAwait(false);
        if (body is not AgentOutcome<BftNodeRequest>.Ok { Value: var request })
        {
            return Respond<VmInfo>(((AgentOutcome<BftNodeRequest>.Failed)body).Problem, http);
        }

        return request.Validate() is { } invalid
            ? Respond<VmInfo>(AgentProblem.BadRequest($"POST {http.Request.Path}: {invalid}"), http)
            : Respond(await agent.BftNodeAsync(id, request, http.RequestAborted).ConfigureAwait(false), http);
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

        var where = $"POST {http.Request.Path}";
        if (request.Destination is null)
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"{where}: destination is missing (the destination agent's URL, like http://127.0.0.1:7002/)"), http);
        }

        if (!AgentUrl.TryParse(request.Destination, out var destination))
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"{where}: destination '{Printable(request.Destination)}' is not an agent URL like http://127.0.0.1:7002/"), http);
        }

        if (request.Ticket is null)
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"{where}: ticket is missing (ask the destination: POST /api/incoming/tickets with its token)"), http);
        }

        if (request.Ticket.Length is 0 or > MigrationTicket.MaxLength || request.Ticket.Any(c => c is <= ' ' or > '~'))
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"{where}: ticket is not a migration ticket (1 to {MigrationTicket.MaxLength} printable characters)"), http);
        }

        if (request.MaxBandwidthMiBps is < 0 or > MaxBandwidthMiBps)
        {
            return Respond<MigrationReport>(AgentProblem.BadRequest($"{where}: maxBandwidthMiBps {request.MaxBandwidthMiBps} is not from 0 to {MaxBandwidthMiBps}"), http);
        }

        // The migration is not tied to this request: a client that hangs up does not cancel it (DELETE …/migration does).
        var outcome = await agent.MigrateAsync(id, destination, request.Ticket, request.MaxBandwidthMiBps ?? 0, CancellationToken.None).ConfigureAwait(false);
        return Respond(outcome, http);
    }

    private static AgentOutcome<GuestSpec> ToSpec(CreateVmRequest request, HttpContext http)
    {
        var where = $"{http.Request.Method} {http.Request.Path}";
        var missing = new[] { ("id", request.Id is null), ("cpus", request.Cpus is null), ("memoryMiB", request.MemoryMiB is null) }
            .Where(f => f.Item2).Select(f => f.Item1).ToList();
        if (missing.Count > 0)
        {
            return AgentProblem.BadRequest($"{where}: {string.Join(", ", missing)} {(missing.Count == 1 ? "is" : "are")} missing (a VM needs id, cpus and memoryMiB)");
        }

        GuestNic? nic = null;
        if (request.Nic is { } asked)
        {
            if (asked.Network is null || asked.Address is null)
            {
                return AgentProblem.BadRequest($"{where}: nic needs network and address");
            }

            nic = new GuestNic(asked.Network, asked.Address, asked.Gateway);
        }

        var spec = new GuestSpec(request.Id ?? "", request.Cpus ?? 0, request.MemoryMiB ?? 0, request.DiskMiB ?? 0, nic) { Image = request.Image };
        return spec.Validate() is { } invalid ? AgentProblem.BadRequest($"{where}: {Printable(invalid)}") : new AgentOutcome<GuestSpec>.Ok(spec);
    }

    /// <summary>Client or peer text safe to echo on one line: control characters replaced, at most <paramref name="max"/> characters.</summary>
    internal static string Printable(string text, int max = 100)
    {
        var clean = new string([.. text.Take(max).Select(c => char.IsControl(c) ? '?' : c)]);
        return text.Length > max ? clean + "…" : clean;
    }
}
