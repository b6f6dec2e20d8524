using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>One action of a plan: a migration or a resize, its status, times and outcome.</summary>
public sealed record ActionResponse(
    long Id,
    long PlanId,
    int Sequence,
    ActionKind Kind,
    int Vm,
    int FromHost,
    int ToHost,
    ResourcesDto Allocation,
    string Reason,
    ActionStatus Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Outcome)
{
    public static ActionResponse From(StoredAction a) =>
        new(a.Id, a.PlanId, a.Sequence, a.Kind, a.Vm.Value, a.From.Value, a.To.Value, ResourcesDto.From(a.Allocation), a.Reason, a.Status, a.StartedAt, a.FinishedAt, a.Outcome);
}
