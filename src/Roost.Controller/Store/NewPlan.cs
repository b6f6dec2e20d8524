namespace Roost.Controller.Store;

/// <summary>A plan about to be stored with its actions, in one transaction.</summary>
public sealed record NewPlan(DateTimeOffset CreatedAt, string Source, PlanStatus Status, string Summary, IReadOnlyList<NewAction> Actions);
