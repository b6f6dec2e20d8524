using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary><c>GET /api/plans?status=S&amp;limit=N</c>: plans newest first, optionally of one status; <c>limit</c> 1..1000, default 50.</summary>
public sealed record PlansQuery(PlanStatus? Status, int Limit)
{
    public static PlansQuery Parse(string? status, string? limit, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new PlansQuery(errors.OptionalEnum<PlanStatus>("status", status), (int)errors.WholeNumber("limit", limit, 1, EventsQuery.MaxLimit, 50));
    }
}
