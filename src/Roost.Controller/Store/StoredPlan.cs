namespace Roost.Controller.Store;

/// <summary>
/// A set of actions decided together, with who decided (<c>sandpiper</c>, <c>operator</c>, <c>maintenance</c>), its
/// status and its actions in execution order.
/// </summary>
public sealed record StoredPlan(
    long Id,
    DateTimeOffset CreatedAt,
    string Source,
    PlanStatus Status,
    string Summary,
    IReadOnlyList<StoredAction> Actions);
