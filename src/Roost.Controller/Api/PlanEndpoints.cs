using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>Plans: what Sandpiper, maintenance and operators decided; pending ones wait for approve or reject.</summary>
public static class PlanEndpoints
{
    public static IEndpointRouteBuilder MapPlanEndpoints(this IEndpointRouteBuilder app)
    {
        var plans = app.MapGroup("/api/plans").WithTags("Plans");
        plans.MapGet("/", ListPlans).ProducesProblems(StatusCodes.Status400BadRequest);
        plans.MapGet("/{id:long}", GetPlan).ProducesProblems(StatusCodes.Status404NotFound);
        plans.MapPost("/{id:long}/approve", Approve).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        plans.MapPost("/{id:long}/reject", Reject).ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
        app.MapGet("/api/migrations", ListMigrations).WithTags("Plans").ProducesProblems(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Results<Ok<PlanResponse[]>, ProblemHttpResult>> ListPlans(string? status, string? limit, HttpRequest request, IControllerStore store, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(request, errors, "status", "limit");
        var query = PlansQuery.Parse(status, limit, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var plans = await store.GetPlansAsync(query.Status, query.Limit, cancellationToken);
        return TypedResults.Ok(plans.Select(PlanResponse.From).ToArray());
    }

    private static async Task<Results<Ok<PlanResponse>, ProblemHttpResult>> GetPlan(long id, IControllerStore store, CancellationToken cancellationToken) =>
        await store.FindPlanAsync(id, cancellationToken) is { } plan ? TypedResults.Ok(PlanResponse.From(plan)) : Problems.NotFound($"plan {id} does not exist");

    private static Task<Results<Ok<PlanResponse>, ProblemHttpResult>> Approve(long id, IControllerStore store, ControlLoop loop, TimeProvider time, CancellationToken cancellationToken) =>
        DecideAsync(id, PlanStatus.Approved, store, loop, time, cancellationToken);

    private static Task<Results<Ok<PlanResponse>, ProblemHttpResult>> Reject(long id, IControllerStore store, ControlLoop loop, TimeProvider time, CancellationToken cancellationToken) =>
        DecideAsync(id, PlanStatus.Rejected, store, loop, time, cancellationToken);

    private static async Task<Results<Ok<PlanResponse>, ProblemHttpResult>> DecideAsync(
        long id, PlanStatus decision, IControllerStore store, ControlLoop loop, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!await store.TransitionPlanAsync(id, PlanStatus.Pending, decision, cancellationToken))
        {
            return await store.FindPlanAsync(id, cancellationToken) is { } existing
                ? Problems.Conflict($"plan {id} is {existing.Status.ToString().ToLowerInvariant()}, not pending")
                : Problems.NotFound($"plan {id} does not exist");
        }

        await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("plan", NewEvent.Plan(id), $"plan {id} {decision.ToString().ToLowerInvariant()} by operator"), cancellationToken);
        loop.Nudge();
        var plan = await store.FindPlanAsync(id, cancellationToken);
        return plan is null ? Problems.NotFound($"plan {id} does not exist") : TypedResults.Ok(PlanResponse.From(plan));
    }

    private static async Task<Results<Ok<ActionResponse[]>, ProblemHttpResult>> ListMigrations(string? limit, HttpRequest request, IControllerStore store, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(request, errors, "limit");
        var query = MigrationsQuery.Parse(limit, errors);
        return errors.IsEmpty
            ? TypedResults.Ok((await store.GetActionsAsync(ActionKind.Migrate, query.Limit, cancellationToken)).Select(ActionResponse.From).ToArray())
            : Problems.Invalid(errors);
    }
}
