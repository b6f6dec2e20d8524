using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Store;
using Roost.Core.Network;
using Roost.Hypervisor.Network;

namespace Roost.Controller.Api;

/// <summary>
/// Virtual private clouds (issue 18), each by name or id (<c>vpc-N</c>): create and delete VPCs, add and remove
/// members (the controller allocates each member's address in its VPC's range) and rules. Everything is declared here
/// and stored; each site's agent reads the whole intent from <c>GET /api/network</c> (its version as the ETag; with
/// <c>If-None-Match</c> and <c>?wait=SECONDS</c> a long poll that answers when the intent changes), reconciles its
/// site's kernel to it and reports how that went (<c>PUT /api/network/sites/{site}</c>), so the kernel's state always
/// follows the store. A VPC with members cannot be deleted; reservations together must leave room on the slowest
/// uplink a site reported. Every change is an event.
/// </summary>
public static class VpcEndpoints
{
    private const string Kind = "VPC";

    public static IEndpointRouteBuilder MapVpcEndpoints(this IEndpointRouteBuilder app)
    {
        var vpcs = app.MapGroup("/api/vpcs").WithTags("VPCs");
        vpcs.MapGet("/", ListVpcs);
        vpcs.MapGet("/{vpc}", GetVpc).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vpcs.MapPost("/", CreateVpc).Accepts<CreateVpcRequest>("application/json").ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        vpcs.MapDelete("/{vpc}", DeleteVpc).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vpcs.MapPost("/{vpc}/members", AddMember).Accepts<AddVpcMemberRequest>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vpcs.MapDelete("/{vpc}/members/{vm}", RemoveMember).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vpcs.MapPost("/{vpc}/rules", AddRule).Accepts<AddVpcRuleRequest>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vpcs.MapDelete("/{vpc}/rules/{to}", RemoveRule).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        app.MapGet("/api/network", GetNetwork).WithTags("VPCs").ProducesProblems(StatusCodes.Status400BadRequest);
        app.MapGet("/api/network/sites", ListSites).WithTags("VPCs");
        app.MapPut("/api/network/sites/{site:int}", ReportSite).WithTags("VPCs").Accepts<SiteReportRequest>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Ok<VpcResponse[]>> ListVpcs(IControllerStore store, CancellationToken cancellationToken)
    {
        var intent = await store.GetNetworkAsync(cancellationToken);
        return TypedResults.Ok(intent.Vpcs.Select(v => VpcResponse.From(v, intent)).ToArray());
    }

    /// <summary>
    /// The intent with its version as the ETag. With <c>If-None-Match</c> naming the current version: 304 at once, or,
    /// with <c>?wait=SECONDS</c> (1 to 60), when the intent changes (200) or the time is up (304).
    /// </summary>
    private static async Task<Results<Ok<NetworkResponse>, StatusCodeHttpResult, ProblemHttpResult>> GetNetwork(
        HttpContext context, IControllerStore store, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(context.Request, errors, "wait");
        var wait = errors.WholeNumber("wait", context.Request.Query["wait"].Count > 0 ? context.Request.Query["wait"].ToString() : null, 0, SiteSyncSettings.MaxResyncSeconds, 0);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var known = context.Request.GetTypedHeaders().IfNoneMatch.Select(t => t.Tag.Value?.Trim('"')).OfType<string>().ToHashSet(StringComparer.Ordinal);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeUp = wait == 0 ? Task.CompletedTask : Task.Delay(TimeSpan.FromSeconds(wait), time, stop.Token);
        try
        {
            while (true)
            {
                // Taken before the read: a change after the read wakes this wait, none is missed.
                var changed = followers.NextChange;
                var network = NetworkResponse.From(await store.GetNetworkAsync(cancellationToken));
                var version = network.Version();
                context.Response.Headers.ETag = $"\"{version}\"";
                if (!known.Contains(version))
                {
                    return TypedResults.Ok(network);
                }

                if (timeUp.IsCompleted || await Task.WhenAny(changed, timeUp) == timeUp)
                {
                    return TypedResults.StatusCode(StatusCodes.Status304NotModified);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private static Ok<SiteReportResponse[]> ListSites(NetworkFollowers followers) =>
        TypedResults.Ok(followers.Sites.Values.OrderBy(s => s.Site).Select(SiteReportResponse.From).ToArray());

    /// <summary>A site's agent reports a reconciliation; a change of outcome (or one that applied changes) is an event.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> ReportSite(
        int site, HttpRequest request, ControllerOptions options, IControllerStore store, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        if (site is < 1 or > CreateVpcRequest.MaxSite)
        {
            return Problems.NotFound($"site {site}: sites are numbered 1 to {CreateVpcRequest.MaxSite}");
        }

        var input = await RequestBody.ReadAsync<SiteReportRequest, SiteNetworkReport>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var report, out var problem))
        {
            return problem;
        }

        var previous = followers.Record(new SiteReport(site, report, time.GetUtcNow()));
        if (report.Error is { } error && previous?.Report.Error != error)
        {
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Error("vpc", NewEvent.Site(site), $"site {site}: the network intent {report.Version} is not applied: {error}"), cancellationToken);
        }
        else if (report.Error is null && (report.Changes > 0 || previous?.Report.Error is not null || previous?.Report.Version != report.Version))
        {
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Site(site), $"site {site}: network intent {report.Version} applied ({report.Changes} changes)"), cancellationToken);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<VpcResponse>, ProblemHttpResult>> GetVpc(string vpc, IControllerStore store, CancellationToken cancellationToken)
    {
        var intent = await store.GetNetworkAsync(cancellationToken);
        return Resolve(vpc, intent, out var found, out var problem) ? TypedResults.Ok(VpcResponse.From(found, intent)) : problem;
    }

    private static async Task<Results<Created<VpcResponse>, ProblemHttpResult>> CreateVpc(
        HttpRequest request, ControllerOptions options, IControllerStore store, ApiWriteGate gate, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<CreateVpcRequest, NewVpc>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var command, out var problem))
        {
            return problem;
        }

        Vpc created;
        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (intent.Vpcs.FirstOrDefault(v => v.Name == command.Name) is { } taken)
            {
                return Problems.Conflict($"the name '{FieldErrors.Printable(command.Name)}' is taken by {taken.Id}");
            }

            if (intent.Vpcs.Count > 0 && intent.Vpcs.Max(v => v.Id.Value) >= VpcId.MaxValue)
            {
                return Problems.Conflict($"VPC ids are used up ({VpcId.MaxValue})");
            }

            if (ReservationRoom(intent, command.ReservedMbps, followers) is { } full)
            {
                return Problems.Conflict(full);
            }

            created = await store.CreateVpcAsync(command, cancellationToken);
            followers.Changed();
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Vpc(created.Name), $"{created.Id} ({created.Name}, {created.Subnet}) created"), cancellationToken);
            intent = await store.GetNetworkAsync(cancellationToken);
            return TypedResults.Created($"/api/vpcs/{created.Id}", VpcResponse.From(created, intent));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteVpc(
        string vpc, IControllerStore store, ApiWriteGate gate, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (!Resolve(vpc, intent, out var found, out var problem))
            {
                return problem;
            }

            if (!await store.DeleteVpcAsync(found.Id, cancellationToken))
            {
                return Problems.Conflict($"{found.Id} ({found.Name}) has members: remove them first (their taps are on its segment)");
            }

            followers.Changed();
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Vpc(found.Name), $"{found.Id} ({found.Name}) deleted"), cancellationToken);
            return TypedResults.NoContent();
        }
    }

    private static async Task<Results<Created<VpcMemberResponse>, ProblemHttpResult>> AddMember(
        string vpc, HttpRequest request, ControllerOptions options, IControllerStore store, ApiWriteGate gate, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<AddVpcMemberRequest, string>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var vmReference, out var problem))
        {
            return problem;
        }

        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (!Resolve(vpc, intent, out var found, out problem)
                || !NameOrId.TryResolve(vmReference, "VM", "vm-", await store.GetVmsAsync(cancellationToken), v => v.Id.Value, v => v.Name, out var vm, out problem))
            {
                return problem;
            }

            if (intent.Members.FirstOrDefault(m => m.Vpc == found.Id && m.VmId == vm.Id.ToString()) is { } existing)
            {
                return Problems.Conflict($"{vm.Id} is already a member of {found.Id} at {Ipv4Subnet.FormatAddress(existing.Address)}");
            }

            if (AddressAllocator.Next(found, intent.Members) is not { } address)
            {
                return Problems.Conflict($"{found.Id}'s range {found.Subnet} is full");
            }

            var member = new VpcMember(found.Id, vm.Id.ToString(), address);
            await store.AddVpcMemberAsync(member, cancellationToken);
            followers.Changed();
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Vpc(found.Name), $"{vm.Id} ({vm.Name}) joined {found.Id} ({found.Name}) at {found.Subnet.Cidr(address)}"), cancellationToken);
            return TypedResults.Created($"/api/vpcs/{found.Id}", VpcMemberResponse.From(found, member));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMember(
        string vpc, string vm, IControllerStore store, ApiWriteGate gate, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (!Resolve(vpc, intent, out var found, out var problem)
                || !NameOrId.TryResolve(vm, "VM", "vm-", await store.GetVmsAsync(cancellationToken), v => v.Id.Value, v => v.Name, out var stored, out problem))
            {
                return problem;
            }

            if (!await store.RemoveVpcMemberAsync(found.Id, stored.Id, cancellationToken))
            {
                return Problems.NotFound($"{stored.Id} is not a member of {found.Id}");
            }

            followers.Changed();
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Vpc(found.Name), $"{stored.Id} ({stored.Name}) left {found.Id} ({found.Name})"), cancellationToken);
            return TypedResults.NoContent();
        }
    }

    private static async Task<Results<Created<VpcResponse>, ProblemHttpResult>> AddRule(
        string vpc, HttpRequest request, ControllerOptions options, IControllerStore store, ApiWriteGate gate, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<AddVpcRuleRequest, string>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var to, out var problem))
        {
            return problem;
        }

        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (!Resolve(vpc, intent, out var found, out problem) || !TryRule(found, to, intent, out var rule, out problem))
            {
                return problem;
            }

            if ((intent with { Rules = [.. intent.Rules, rule] }).Validate() is { } invalid)
            {
                return Problems.Conflict(invalid);
            }

            if (!await store.AddVpcRuleAsync(rule, cancellationToken))
            {
                return Problems.Conflict($"the rule {rule} exists");
            }

            followers.Changed();
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Vpc(found.Name), $"rule {rule} added"), cancellationToken);

            intent = await store.GetNetworkAsync(cancellationToken);
            return TypedResults.Created($"/api/vpcs/{found.Id}", VpcResponse.From(found, intent));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveRule(
        string vpc, string to, IControllerStore store, ApiWriteGate gate, NetworkFollowers followers, TimeProvider time, CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (!Resolve(vpc, intent, out var found, out var problem) || !TryRule(found, to, intent, out var rule, out problem))
            {
                return problem;
            }

            // A rule between two VPCs may have been declared from either side.
            var removed = await store.RemoveVpcRuleAsync(rule, cancellationToken)
                || (rule.To is { } other && await store.RemoveVpcRuleAsync(new VpcRule(other, found.Id), cancellationToken));
            if (!removed)
            {
                return Problems.NotFound($"there is no rule {rule}");
            }

            followers.Changed();
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vpc", NewEvent.Vpc(found.Name), $"rule {rule} removed"), cancellationToken);
            return TypedResults.NoContent();
        }
    }

    /// <summary>
    /// Null when a new reservation of <paramref name="reservingMbps"/> fits: all reservations together must stay below
    /// the slowest uplink any site reported (the rest is the default class's), else one line naming that site.
    /// Before any site reported, only the request's own bound applies (the sites' agents then refuse it themselves).
    /// </summary>
    private static string? ReservationRoom(NetworkIntent intent, long reservingMbps, NetworkFollowers followers)
    {
        if (reservingMbps == 0 || followers.Sites.Values.MinBy(s => (s.Report.UplinkMbps, s.Site)) is not { } slowest)
        {
            return null;
        }

        var total = intent.Vpcs.Sum(v => v.ReservedMbps) + reservingMbps;
        return total >= slowest.Report.UplinkMbps
            ? $"reservations would total {total} Mbit/s, which leaves nothing of site {slowest.Site}'s {slowest.Report.UplinkMbps} Mbit/s uplink for other traffic (at most {Math.Max(0, slowest.Report.UplinkMbps - 1 - (total - reservingMbps))} Mbit/s more)"
            : null;
    }

    private static bool TryRule(Vpc from, string to, NetworkIntent intent, out VpcRule rule, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        rule = new VpcRule(from.Id, null);
        problem = null;
        if (to == AddVpcRuleRequest.Site)
        {
            return true;
        }

        if (!Resolve(to, intent, out var other, out problem))
        {
            return false;
        }

        if (other.Id == from.Id)
        {
            problem = Problems.Conflict($"{from.Id} always reaches itself: a rule names another VPC or '{AddVpcRuleRequest.Site}'");
            return false;
        }

        rule = new VpcRule(from.Id, other.Id);
        return true;
    }

    private static bool Resolve(string reference, NetworkIntent intent, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Vpc? vpc, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem) =>
        NameOrId.TryResolve(reference, Kind, "vpc-", intent.Vpcs, v => v.Id.Value, v => v.Name, out vpc, out problem);
}
