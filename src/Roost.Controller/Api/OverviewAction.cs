using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// An action as the dashboard lists it: the VM by id and name (null when the VM was deleted), hosts by id (named by
/// the inventory), status, times and outcome (cut at 400 characters); the planner's reason is in the plan (<c>GET /api/plans/{planId}</c>).
/// </summary>
public sealed record OverviewAction(
    long Id,
    long PlanId,
    ActionKind Kind,
    int Vm,
    string? VmName,
    int FromHost,
    int ToHost,
    ActionStatus Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Outcome)
{
    public static OverviewAction From(StoredAction a, IReadOnlyDictionary<int, string> vmNames)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(vmNames);
        return new(a.Id, a.PlanId, a.Kind, a.Vm.Value, vmNames.GetValueOrDefault(a.Vm.Value), a.From.Value, a.To.Value, a.Status, a.StartedAt, a.FinishedAt, a.Outcome is null ? null : OverviewEndpoints.Shorten(a.Outcome));
    }
}
