using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Api;

/// <summary>
/// VMs. Creating, migrating and stopping are acknowledged with 202 once the request is in the store; the control loop
/// carries it out (and would after a restart).
/// </summary>
public static class VmEndpoints
{
    public static IEndpointRouteBuilder MapVmEndpoints(this IEndpointRouteBuilder app)
    {
        var vms = app.MapGroup("/api/vms").WithTags("VMs");
        vms.MapGet("/", ListVms);
        vms.MapGet("/{id:int}", GetVm);
        vms.MapPost("/", CreateVm).Accepts<CreateVmRequest>("application/json");
        vms.MapPost("/{id:int}/migrate", MigrateVm).Accepts<MigrateVmRequest>("application/json");
        vms.MapPost("/{id:int}/stop", StopVm);
        return app;
    }

    private static async Task<Ok<VmResponse[]>> ListVms(IControllerStore store, LiveState live, CancellationToken cancellationToken)
    {
        var running = live.Current.Vms.ToDictionary(v => v.Id);
        var vms = await store.GetVmsAsync(cancellationToken);
        return TypedResults.Ok(vms.Select(v => VmResponse.From(v, running.GetValueOrDefault(v.Id))).ToArray());
    }

    private static async Task<Results<Ok<VmResponse>, ProblemHttpResult>> GetVm(int id, IControllerStore store, LiveState live, CancellationToken cancellationToken) =>
        await store.FindVmAsync(new VmId(id), cancellationToken) is { } vm
            ? TypedResults.Ok(VmResponse.From(vm, live.Current.Vms.FirstOrDefault(v => v.Id == vm.Id)))
            : Problems.NotFound($"vm-{id} does not exist");

    private static async Task<Results<Accepted<VmResponse>, ProblemHttpResult>> CreateVm(
        HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, LiveState live, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<CreateVmRequest, NewVm>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var vm, out var problem))
        {
            return problem;
        }

        if (vm.RequestedHost is { } wanted)
        {
            if (!(await store.GetHostsAsync(cancellationToken)).Any(x => x.Id == wanted))
            {
                var errors = new FieldErrors();
                errors.Add("host", $"{wanted} does not exist");
                return Problems.Invalid(errors);
            }

            if (live.Current.Hosts.FirstOrDefault(x => x.Id == wanted)?.Problem is { } down)
            {
                return Problems.Unavailable($"{wanted} cannot take a VM now: {down}");
            }
        }

        var created = await store.CreateVmAsync(vm, cancellationToken);
        loop.Nudge();
        return TypedResults.Accepted($"/api/vms/{created.Id.Value}", VmResponse.From(created, null));
    }

    private static async Task<Results<Accepted<PlanResponse>, ProblemHttpResult>> MigrateVm(
        int id, HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, LiveState live, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<MigrateVmRequest, HostId>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var destination, out var problem))
        {
            return problem;
        }

        var vm = await store.FindVmAsync(new VmId(id), cancellationToken);
        if (vm is null)
        {
            return Problems.NotFound($"vm-{id} does not exist");
        }

        if (vm is not { State: VmState.Running, Host: { } from })
        {
            return Problems.Conflict($"vm-{id} is {vm.State.ToString().ToLowerInvariant()}, not running");
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
            new NewPlan(time.GetUtcNow(), "operator", PlanStatus.Approved, $"move {vm.Id} {from} -> {target.Id}",
                [new NewAction(ActionKind.Migrate, vm.Id, from, target.Id, vm.Allocation, "operator request")]),
            cancellationToken);
        loop.Nudge();
        return TypedResults.Accepted($"/api/plans/{plan.Id}", PlanResponse.From(plan));
    }

    private static async Task<Results<Accepted<VmResponse>, ProblemHttpResult>> StopVm(int id, IControllerStore store, ControlLoop loop, CancellationToken cancellationToken)
    {
        var vm = await store.FindVmAsync(new VmId(id), cancellationToken);
        if (vm is null)
        {
            return Problems.NotFound($"vm-{id} does not exist");
        }

        if (!await store.TransitionVmAsync(vm.Id, VmState.Running, VmState.Stopping, cancellationToken) && vm.State != VmState.Stopping)
        {
            return Problems.Conflict($"vm-{id} is {vm.State.ToString().ToLowerInvariant()}, not running");
        }

        loop.Nudge();
        return TypedResults.Accepted($"/api/vms/{id}", VmResponse.From(vm with { State = VmState.Stopping }, null));
    }
}
