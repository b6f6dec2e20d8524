using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// A plan waiting for an operator: its summary (cut at 400 characters) and first actions (the whole plan, reasons
/// included, at <c>GET /api/plans/{id}</c>).
/// </summary>
public sealed record PendingPlanSummary(long Id, DateTimeOffset CreatedAt, string Source, string Summary, int ActionCount, IReadOnlyList<OverviewAction> Actions)
{
    /// <summary>Actions shown per plan in the overview.</summary>
    public const int ActionsShown = 8;

    public static PendingPlanSummary From(StoredPlan plan, IReadOnlyDictionary<int, string> vmNames)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new(plan.Id, plan.CreatedAt, plan.Source, OverviewEndpoints.Shorten(plan.Summary), plan.Actions.Count, [.. plan.Actions.Take(ActionsShown).Select(a => OverviewAction.From(a, vmNames))]);
    }
}
