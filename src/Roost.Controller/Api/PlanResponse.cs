using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>A plan with its actions.</summary>
public sealed record PlanResponse(long Id, DateTimeOffset CreatedAt, string Source, PlanStatus Status, string Summary, IReadOnlyList<ActionResponse> Actions)
{
    public static PlanResponse From(StoredPlan p) =>
        new(p.Id, p.CreatedAt, p.Source, p.Status, p.Summary, [.. p.Actions.Select(ActionResponse.From)]);
}
