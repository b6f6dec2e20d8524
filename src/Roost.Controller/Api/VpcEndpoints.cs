using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Store;
using Roost.Core.Network;

namespace Roost.Controller.Api;

/// <summary>
/// Virtual private clouds (issue 18), each by name or id (<c>vpc-N</c>): create and delete VPCs, add and remove
/// members (the controller allocates each member's address in its VPC's range) and rules. Everything is declared here
/// and stored; agents read the whole intent from <c>GET /api/network</c> and reconcile their site's kernel to it
/// (<c>roost vpc apply</c>), so the kernel's state always follows the store. A VPC with members cannot be deleted.
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
        app.MapGet("/api/network", GetNetwork).WithTags("VPCs");
        return app;
    }

    private static async Task<Ok<VpcResponse[]>> ListVpcs(IControllerStore store, CancellationToken cancellationToken)
    {
        var intent = await store.GetNetworkAsync(cancellationToken);
        return TypedResults.Ok(intent.Vpcs.Select(v => VpcResponse.From(v, intent)).ToArray());
    }

    private static async Task<Ok<NetworkResponse>> GetNetwork(IControllerStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(NetworkResponse.From(await store.GetNetworkAsync(cancellationToken)));

    private static async Task<Results<Ok<VpcResponse>, ProblemHttpResult>> GetVpc(string vpc, IControllerStore store, CancellationToken cancellationToken)
    {
        var intent = await store.GetNetworkAsync(cancellationToken);
        return Resolve(vpc, intent, out var found, out var problem) ? TypedResults.Ok(VpcResponse.From(found, intent)) : problem;
    }

    private static async Task<Results<Created<VpcResponse>, ProblemHttpResult>> CreateVpc(
        HttpRequest request, ControllerOptions options, IControllerStore store, ApiWriteGate gate, TimeProvider time, CancellationToken cancellationToken)
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

            created = await store.CreateVpcAsync(command, cancellationToken);
            await store.AddEventAsync(time.GetUtcNow(), "vpc", $"{created.Id} ({created.Name}, {created.Subnet}) created", cancellationToken);
            intent = await store.GetNetworkAsync(cancellationToken);
            return TypedResults.Created($"/api/vpcs/{created.Id}", VpcResponse.From(created, intent));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteVpc(string vpc, IControllerStore store, ApiWriteGate gate, TimeProvider time, CancellationToken cancellationToken)
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

            await store.AddEventAsync(time.GetUtcNow(), "vpc", $"{found.Id} ({found.Name}) deleted", cancellationToken);
            return TypedResults.NoContent();
        }
    }

    private static async Task<Results<Created<VpcMemberResponse>, ProblemHttpResult>> AddMember(
        string vpc, HttpRequest request, ControllerOptions options, IControllerStore store, ApiWriteGate gate, CancellationToken cancellationToken)
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
            return TypedResults.Created($"/api/vpcs/{found.Id}", VpcMemberResponse.From(found, member));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveMember(string vpc, string vm, IControllerStore store, ApiWriteGate gate, CancellationToken cancellationToken)
    {
        using (await gate.EnterAsync(cancellationToken))
        {
            var intent = await store.GetNetworkAsync(cancellationToken);
            if (!Resolve(vpc, intent, out var found, out var problem)
                || !NameOrId.TryResolve(vm, "VM", "vm-", await store.GetVmsAsync(cancellationToken), v => v.Id.Value, v => v.Name, out var stored, out problem))
            {
                return problem;
            }

            return await store.RemoveVpcMemberAsync(found.Id, stored.Id, cancellationToken)
                ? TypedResults.NoContent()
                : Problems.NotFound($"{stored.Id} is not a member of {found.Id}");
        }
    }

    private static async Task<Results<Created<VpcResponse>, ProblemHttpResult>> AddRule(
        string vpc, HttpRequest request, ControllerOptions options, IControllerStore store, ApiWriteGate gate, CancellationToken cancellationToken)
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

            intent = await store.GetNetworkAsync(cancellationToken);
            return TypedResults.Created($"/api/vpcs/{found.Id}", VpcResponse.From(found, intent));
        }
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RemoveRule(string vpc, string to, IControllerStore store, ApiWriteGate gate, CancellationToken cancellationToken)
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
            return removed ? TypedResults.NoContent() : Problems.NotFound($"there is no rule {rule}");
        }
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
