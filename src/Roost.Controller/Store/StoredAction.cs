using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>
/// One step of a plan. For a resize <see cref="From"/> and <see cref="To"/> are the VM's host; <see cref="Allocation"/>
/// is what the VM holds afterwards. Times are wall-clock; <see cref="Outcome"/> says how it ended.
/// </summary>
public sealed record StoredAction(
    long Id,
    long PlanId,
    int Sequence,
    ActionKind Kind,
    VmId Vm,
    HostId From,
    HostId To,
    ResourceVector Allocation,
    string Reason,
    ActionStatus Status,
    DateTimeOffset? StartedAt = null,
    DateTimeOffset? FinishedAt = null,
    string? Outcome = null);
