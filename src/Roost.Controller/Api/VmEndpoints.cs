using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Api;

/// <summary>
/// VMs, each by its name or id (<see cref="NameOrId"/>). Creating, starting, migrating and stopping are acknowledged
/// with 202 once the request is in the store; the control loop carries it out (and would after a restart). A VM that
/// fits on no host even when it is empty is refused at once (409), not accepted and failed later. Deleting takes a
/// stopped or failed VM out of the inventory for good; its id is never reused.
/// </summary>
public static class VmEndpoints
{
    private const string Kind = "VM";

    public static IEndpointRouteBuilder MapVmEndpoints(this IEndpointRouteBuilder app)
    {
        var vms = app.MapGroup("/api/vms").WithTags("VMs");
        vms.MapGet("/", ListVms).ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vms.MapGet("/{vm}", GetVm).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vms.MapPost("/", CreateVm).Accepts<CreateVmRequest>("application/json").ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);
        vms.MapDelete("/{vm}", DeleteVm).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vms.MapPost("/{vm}/start", StartVm).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        vms.MapPost("/{vm}/migrate", MigrateVm).Accepts<MigrateVmRequest>("application/json")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status503ServiceUnavailable);
        vms.MapPost("/{vm}/stop", StopVm).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Ok<VmResponse[]>, ProblemHttpResult>> ListVms(string? host, string? state, HttpRequest request, IControllerStore store, LiveState live, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = VmsQuery.Parse(host, state, request, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        HostId? onHost = null;
        if (query.Host is { } reference)
        {
            if (!NameOrId.TryResolve(reference, "host", "host-", await store.GetHostsAsync(cancellationToken), h => h.Id.Value, h => h.Name, out var found, out var problem))
            {
                return problem;
            }

            onHost = found.Id;
        }

        var running = live.Current.Vms.ToDictionary(v => v.Id);
        var vms = await store.GetVmsAsync(cancellationToken);
        return TypedResults.Ok(vms
            .Where(v => (onHost is null || v.Host == onHost) && (query.State is null || v.State == query.State))
            .Select(v => VmResponse.From(v, running.GetValueOrDefault(v.Id)))
            .ToArray());
    }

    private static async Task<Results<Ok<VmResponse>, ProblemHttpResult>> GetVm(string vm, IControllerStore store, LiveState live, CancellationToken cancellationToken) =>
        (await FindAsync(vm, store, cancellationToken)).TryGet(out var found, out var problem)
            ? TypedResults.Ok(VmResponse.From(found, live.Current.Vms.FirstOrDefault(v => v.Id == found.Id)))
            : problem;

    private static async Task<Results<Accepted<VmResponse>, ProblemHttpResult>> CreateVm(
        HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, LiveState live, ApiWriteGate gate, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<CreateVmRequest, NewVm>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var vm, out var problem))
        {
            return problem;
        }

        var hosts = await store.GetHostsAsync(cancellationToken);
        if (vm.RequestedHost is { } wanted)
        {
            if (hosts.FirstOrDefault(x => x.Id == wanted) is not { } host)
            {
                var errors = new FieldErrors();
                errors.Add("host", $"{wanted} does not exist");
                return Problems.Invalid(errors);
            }

            if (!vm.Allocation.FitsWithin(host.PlacementCapacity))
            {
                return Problems.Conflict($"{vm.Allocation} can never fit on {wanted} ({host.Name}), which can hold at most {host.PlacementCapacity}");
            }

            if (live.Current.Hosts.FirstOrDefault(x => x.Id == wanted)?.Problem is { } down)
            {
                return Problems.Unavailable($"{wanted} cannot take a VM now: {down}");
            }
        }
        else if (!hosts.Any(h => vm.Allocation.FitsWithin(h.PlacementCapacity)))
        {
            return Problems.Conflict($"{vm.Allocation} can never fit: no host can hold it even when empty (CPU counted {StoredHost.CpuOversubscription}x)");
        }

        StoredVm created;
        using (await gate.EnterAsync(cancellationToken))
        {
            if (vm.Name is { } name && (await store.GetVmsAsync(cancellationToken)).FirstOrDefault(v => v.Name == name) is { } taken)
            {
                return Problems.Conflict($"the name '{FieldErrors.Printable(name)}' is taken by {taken.Id}");
            }

            created = await store.CreateVmAsync(vm, cancellationToken);
        }

        loop.Nudge();
        return TypedResults.Accepted($"/api/vms/{created.Id.Value}", VmResponse.From(created, null));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteVm(string vm, IControllerStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!(await FindAsync(vm, store, cancellationToken)).TryGet(out var found, out var problem))
        {
            return problem;
        }

        // Compare-and-set: a VM the loop is starting or stopping is not deleted under it.
        if (!await store.TransitionVmAsync(found.Id, VmState.Stopped, VmState.Deleted, cancellationToken)
            && !await store.TransitionVmAsync(found.Id, VmState.Failed, VmState.Deleted, cancellationToken))
        {
            return Problems.Conflict($"{found.Id} ({found.Name}) is {StateName(found.State)}: only a stopped or failed VM can be deleted (stop it first)");
        }

        await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("vm", NewEvent.Vm(found.Name), $"{found.Id} ({found.Name}) deleted (operator)"), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Accepted<VmResponse>, ProblemHttpResult>> StartVm(string vm, IControllerStore store, ControlLoop loop, CancellationToken cancellationToken)
    {
        if (!(await FindAsync(vm, store, cancellationToken)).TryGet(out var found, out var problem))
        {
            return problem;
        }

        // Back to pending: the loop places and starts it as it does a new VM (on its requested host, if it had one).
        if (!await store.TransitionVmAsync(found.Id, VmState.Stopped, VmState.Pending, cancellationToken)
            && !await store.TransitionVmAsync(found.Id, VmState.Failed, VmState.Pending, cancellationToken))
        {
            return Problems.Conflict($"{found.Id} ({found.Name}) is {StateName(found.State)}, not stopped or failed");
        }

        loop.Nudge();
        return TypedResults.Accepted($"/api/vms/{found.Id.Value}", VmResponse.From(found with { State = VmState.Pending }, null));
    }

    private static async Task<Results<Accepted<PlanResponse>, ProblemHttpResult>> MigrateVm(
        string vm, HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, LiveState live, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<MigrateVmRequest, HostId>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var destination, out var problem))
        {
            return problem;
        }

        if (!(await FindAsync(vm, store, cancellationToken)).TryGet(out var found, out problem))
        {
            return problem;
        }

        if (found is not { State: VmState.Running, Host: { } from })
        {
            return Problems.Conflict($"{found.Id} ({found.Name}) is {StateName(found.State)}, not running");
        }

        var target = (await store.GetHostsAsync(cancellationToken)).FirstOrDefault(h => h.Id == destination);
        if (target is null || target.Id == from || target.Maintenance)
        {
            var errors = new FieldErrors();
            errors.Add("host", $"{destination} is not another host out of maintenance");
            return Problems.Invalid(errors);
        }

        if (live.Current.Hosts.FirstOrDefault(h => h.Id == target.Id)?.Problem is { } down)
        {
            return Problems.Unavailable($"{target.Id} ({target.Name}) cannot take a VM now: {down}");
        }

        var plan = await store.AddPlanAsync(
            new NewPlan(time.GetUtcNow(), "operator", PlanStatus.Approved, $"move {found.Id} {from} -> {target.Id}",
                [new NewAction(ActionKind.Migrate, found.Id, from, target.Id, found.Allocation, "operator request")]),
            cancellationToken);
        loop.Nudge();
        return TypedResults.Accepted($"/api/plans/{plan.Id}", PlanResponse.From(plan));
    }

    private static async Task<Results<Accepted<VmResponse>, ProblemHttpResult>> StopVm(string vm, IControllerStore store, ControlLoop loop, CancellationToken cancellationToken)
    {
        if (!(await FindAsync(vm, store, cancellationToken)).TryGet(out var found, out var problem))
        {
            return problem;
        }

        if (!await store.TransitionVmAsync(found.Id, VmState.Running, VmState.Stopping, cancellationToken) && found.State != VmState.Stopping)
        {
            return Problems.Conflict($"{found.Id} ({found.Name}) is {StateName(found.State)}, not running");
        }

        loop.Nudge();
        return TypedResults.Accepted($"/api/vms/{found.Id.Value}", VmResponse.From(found with { State = VmState.Stopping }, null));
    }

    /// <summary>The VM a route names, or the problem to answer (404, or 409 for a name two VMs share).</summary>
    private static async Task<RequestInput<StoredVm>> FindAsync(string reference, IControllerStore store, CancellationToken cancellationToken) =>
        NameOrId.TryResolve(reference, Kind, "vm-", await store.GetVmsAsync(cancellationToken), v => v.Id.Value, v => v.Name, out var vm, out var problem)
            ? RequestInput<StoredVm>.Valid(vm)
            : RequestInput<StoredVm>.Invalid(problem);

    private static string StateName(VmState state) => state.ToString().ToLowerInvariant();
}
